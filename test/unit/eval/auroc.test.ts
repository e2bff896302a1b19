import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auroc, aurocFromGroups } from '../../../lambdas/eval/auroc.ts';
import { EvalDataError } from '../../../lambdas/eval/errors.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';

/** Direct definition: share of (positive, negative) pairs where the positive is higher, ties half. */
function pairwiseAuroc(negatives: number[], positives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (negatives.length * positives.length);
}

describe('aurocFromGroups', () => {
  it('is 1 for a perfect separation and 0 for a reversed one', () => {
    assert.equal(aurocFromGroups([0.1, 0.2, 0.3], [0.4, 0.9]), 1);
    assert.equal(aurocFromGroups([0.4, 0.9], [0.1, 0.2, 0.3]), 0);
  });

  it('is 0.5 when every score is equal', () => {
    assert.equal(aurocFromGroups([7, 7, 7, 7], [7, 7]), 0.5);
  });

  it('counts ties as half', () => {
    // pairs (2>1) 1, (2=2) 0.5, (3>1) 1, (3>2) 1 -> 3.5 / 4
    assert.equal(aurocFromGroups([1, 2], [2, 3]), 0.875);
    assert.equal(aurocFromGroups([5], [5]), 0.5);
  });

  it('equals the pairwise definition on random scores with many ties, in any input order', () => {
    const random = mulberry32(42);
    for (let trial = 0; trial < 20; trial++) {
      const negatives = Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 6));
      const positives = Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 6) + 1);
      assert.ok(Math.abs(aurocFromGroups(negatives, positives) - pairwiseAuroc(negatives, positives)) < 1e-12);
    }
  });

  it('refuses an empty class and NaN scores', () => {
    assert.throws(() => aurocFromGroups([], [1]), EvalDataError);
    assert.throws(() => aurocFromGroups([1], []), EvalDataError);
    assert.throws(() => aurocFromGroups([1, Number.NaN], [2]), /NaN/);
  });

  it('does not reorder the caller arrays', () => {
    const negatives = new Float64Array([3, 1, 2]);
    aurocFromGroups(negatives, [2.5]);
    assert.deepEqual(Array.from(negatives), [3, 1, 2]);
  });
});

describe('auroc (scores + labels)', () => {
  it('splits by label', () => {
    assert.equal(auroc([0.9, 0.1, 0.8, 0.3], [1, 0, true, false]), 1);
    assert.equal(auroc([0.2, 0.2, 0.1, 0.3], [1, 0, 0, 1]), pairwiseAuroc([0.2, 0.1], [0.2, 0.3]));
  });

  it('rejects mismatched lengths', () => {
    assert.throws(() => auroc([1, 2], [1]), EvalDataError);
  });
});
