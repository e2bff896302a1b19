// Robust centre/spread and the O(n log n) leave-one-out z against the brute-force definition.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaveOneOutZ, MAD_TO_SIGMA, median, robustStats, wrappedDifference } from '../../../lambdas/core/pose/robust.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';

describe('pose robust statistics', () => {
  it('median and MAD-based scale, floored', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const s = robustStats([1, 2, 3, 4, 100], 0.1);
    assert.equal(s.centre, 3);
    assert.equal(s.mad, 1);
    assert.equal(s.scale, MAD_TO_SIGMA);
    assert.equal(robustStats([5, 5, 5, 5], 0.25).scale, 0.25, 'identical values fall back on the floor');
  });

  it('wraps angle differences into (-period/2, period/2]', () => {
    const d = wrappedDifference(360);
    assert.equal(d(179, -179), -2);
    assert.equal(d(-179, 179), 2);
    assert.equal(wrappedDifference(180)(95, -80), -5);
  });

  it('leave-one-out z equals recomputing the statistics without each value (odd, even, ties, wrapped)', () => {
    const random = mulberry32(5);
    const cases: { values: number[]; floor: number; period?: number }[] = [
      { values: Array.from({ length: 17 }, () => random() * 10), floor: 0.01 },
      { values: Array.from({ length: 24 }, () => random() * 10), floor: 0.01 },
      { values: [1, 1, 1, 2, 2, 3, 3, 3, 3, 9], floor: 0.5 },
      { values: Array.from({ length: 15 }, () => 170 + random() * 20), floor: 0.1, period: 360 },
    ];
    for (const { values, floor, period } of cases) {
      const diff = period ? wrappedDifference(period) : (a: number, b: number) => a - b;
      const fast = leaveOneOutZ(values, floor, diff);
      values.forEach((v, i) => {
        const rest = values.filter((_, j) => j !== i);
        const s = robustStats(rest, floor, diff);
        assert.ok(Math.abs(fast[i] - Math.abs(diff(v, s.centre)) / s.scale) < 1e-9, `value ${i} of ${values.length}`);
      });
    }
  });
});
