// AKAZE on generated textured objects under a known similarity: keypoints only on the object, matches that a
// similarity RANSAC turns back into the pose within 1 px RMS over the object's corners (with and without a pose
// guiding the matching, at full size and on a reduced level), and the empty cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAffine, composeAffine, invertAffine, rmsDistance } from '../../../lambdas/core/align/affine.ts';
import { detectFeatures, matchFeatures, type FeatureSet } from '../../../lambdas/core/align/features.ts';
import { estimateSimilarityRansac } from '../../../lambdas/core/align/similarity-ransac.ts';
import { renderSyntheticObject, type SyntheticKind, type SyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';
import type { Affine, Mask } from '../../../lambdas/core/types.ts';

const SIZE = 448;

function shots(kind: SyntheticKind): { reference: SyntheticObject; shot: SyntheticObject; truth: Affine } {
  const reference = renderSyntheticObject({ kind, width: SIZE, height: SIZE, angleDeg: 0, scale: 1, tx: 0, ty: 0, seed: 1 });
  const shot = renderSyntheticObject({ kind, width: SIZE, height: SIZE, angleDeg: 57, scale: 1.08, tx: 20, ty: -15, seed: 2 });
  // shot pixels -> canonical object frame -> reference pixels
  return { reference, shot, truth: composeAffine(reference.pose, invertAffine(shot.pose)) };
}

async function recover(query: FeatureSet, train: FeatureSet, guide?: { m: Affine; radiusPx: number }): Promise<{ matrix: Affine; inliers: number; matches: number }> {
  const matches = await matchFeatures(query, train, guide ? { queryToTrain: guide.m, radiusPx: guide.radiusPx } : {});
  const result = estimateSimilarityRansac(
    matches.map((m) => m.query),
    matches.map((m) => m.train),
    { thresholdPx: 1.5, minInliers: 10, seed: 1 },
  );
  assert.ok(result, `no RANSAC model from ${matches.length} matches`);
  return { matrix: result.matrix, inliers: result.inliers.length, matches: matches.length };
}

/** Distance from (x, y) to the nearest set pixel of the mask (brute force over a window). */
function distanceToMask(mask: Mask, x: number, y: number, reach: number): number {
  let best = Infinity;
  for (let v = Math.max(0, Math.floor(y - reach)); v <= Math.min(mask.height - 1, Math.ceil(y + reach)); v++) {
    for (let u = Math.max(0, Math.floor(x - reach)); u <= Math.min(mask.width - 1, Math.ceil(x + reach)); u++) {
      if (mask.data[v * mask.width + u]) best = Math.min(best, Math.hypot(u - x, v - y));
    }
  }
  return best;
}

for (const kind of ['asymmetric', 'screw'] as const) {
  describe(`AKAZE features of the synthetic ${kind}`, () => {
    const { reference, shot, truth } = shots(kind);

    it('finds keypoints on the object only, and recovers the pose from unguided matches within 1 px RMS', async () => {
      const refFeatures = await detectFeatures(reference.image, reference.mask);
      const shotFeatures = await detectFeatures(shot.image, shot.mask);
      assert.equal(refFeatures.scale, 1); // 448 px is under the 512 px feature level: full size
      assert.ok(refFeatures.count >= 25 && shotFeatures.count >= 25, `${refFeatures.count} / ${shotFeatures.count} keypoints`);
      assert.equal(refFeatures.descriptors.length, refFeatures.count * refFeatures.descriptorBytes);
      for (const [x, y] of shotFeatures.points) assert.ok(distanceToMask(shot.mask, x, y, 8) <= 5, `keypoint (${x.toFixed(1)}, ${y.toFixed(1)}) is off the object`);
      const { matrix, inliers, matches } = await recover(shotFeatures, refFeatures);
      const rms = rmsDistance(matrix, truth, shot.corners);
      assert.ok(rms < 1, `corner RMS ${rms.toFixed(3)} px (${inliers} inliers of ${matches} matches)`);
    });

    it('recovers the pose within 1 px RMS from matches guided by a pose 3 px off, and on a 256 px level', async () => {
      const start = composeAffine([1, 0, 3, 0, 1, -2], truth);
      for (const side of [512, 256]) {
        const refFeatures = await detectFeatures(reference.image, reference.mask, { side });
        const shotFeatures = await detectFeatures(shot.image, shot.mask, { side });
        assert.ok(Math.abs(shotFeatures.scale - Math.min(1, side / SIZE)) < 1e-12);
        const { matrix, inliers, matches } = await recover(shotFeatures, refFeatures, { m: start, radiusPx: 8 });
        const rms = rmsDistance(matrix, truth, shot.corners);
        assert.ok(rms < 1, `at ${side} px: corner RMS ${rms.toFixed(3)} px (${inliers} inliers of ${matches} matches)`);
      }
    });
  });
}

describe('AKAZE features, edge cases', () => {
  it('an empty mask has no keypoints, and nothing matches an empty set', async () => {
    const { shot } = shots('asymmetric');
    const empty = await detectFeatures(shot.image, { width: SIZE, height: SIZE, data: new Uint8Array(SIZE * SIZE) });
    assert.equal(empty.count, 0);
    const full = await detectFeatures(shot.image, shot.mask);
    assert.deepEqual(await matchFeatures(empty, full), []);
    assert.deepEqual(await matchFeatures(full, empty), []);
  });

  it('guided matching keeps only partners inside the radius', async () => {
    const { reference, shot, truth } = shots('asymmetric');
    const refFeatures = await detectFeatures(reference.image, reference.mask);
    const shotFeatures = await detectFeatures(shot.image, shot.mask);
    const matches = await matchFeatures(shotFeatures, refFeatures, { queryToTrain: truth, radiusPx: 4 });
    assert.ok(matches.length >= 10);
    for (const m of matches) {
      const [x, y] = applyAffine(truth, m.query);
      assert.ok(Math.hypot(x - m.train[0], y - m.train[1]) <= 4 + 1e-9);
    }
  });

  it('an image and a mask of different sizes are an error', async () => {
    const { shot } = shots('screw');
    await assert.rejects(detectFeatures(shot.image, { width: 10, height: 10, data: new Uint8Array(100) }), RangeError);
  });
});
