import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anomalyMap, maximum, upsampleBilinear } from '../../../lambdas/eval/scoremap.ts';

describe('upsampleBilinear (align_corners=False)', () => {
  it('matches torch F.interpolate on a 2 -> 4 ramp', () => {
    // torch: F.interpolate(tensor([[[[0., 1.]]]]), size=(1, 4), mode='bilinear') -> [0, 0.25, 0.75, 1]
    assert.deepEqual(Array.from(upsampleBilinear([0, 1], 2, 1, 4, 1)), [0, 0.25, 0.75, 1]);
    // 2x2 -> 4x4: rows interpolate the same way
    const square = upsampleBilinear([0, 1, 2, 3], 2, 2, 4, 4);
    assert.deepEqual(Array.from(square.subarray(4, 8)), [0.5, 0.75, 1.25, 1.5]);
  });

  it('keeps a constant grid constant at 56 -> 224', () => {
    const map = upsampleBilinear(new Float64Array(56 * 56).fill(2), 56, 56, 224, 224);
    assert.equal(map.length, 224 * 224);
    assert.ok(map.every((value) => value === 2));
  });
});

describe('anomalyMap', () => {
  it('puts the maximum of one hot grid cell near its upsampled location', () => {
    const distances = new Float64Array(56 * 56).fill(1);
    distances[20 * 56 + 30] = 50;
    const map = anomalyMap(distances, 56, 56, 224);
    const peak = map.indexOf(maximum(map));
    const [y, x] = [Math.floor(peak / 224), peak % 224];
    assert.ok(Math.abs(y - (20 * 4 + 1.5)) <= 1.5 && Math.abs(x - (30 * 4 + 1.5)) <= 1.5, `peak at ${x},${y}`);
    assert.ok(maximum(map) > 1 && maximum(map) < 50, 'smoothing spreads the peak');
  });
});
