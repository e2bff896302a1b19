// The 2-point similarity RANSAC on synthetic correspondences: half of them outliers, exact and noisy inliers,
// determinism, the plausibility filter, and the degenerate inputs that must give no model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAffine, rmsDistance, similarityAbout, type Point } from '../../../lambdas/core/align/affine.ts';
import { estimateSimilarityRansac, leastSquaresSimilarity } from '../../../lambdas/core/align/similarity-ransac.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';
import type { Affine } from '../../../lambdas/core/types.ts';

const FRAME = 1000;
const CORNERS: Point[] = [
  [0, 0],
  [FRAME, 0],
  [FRAME, FRAME],
  [0, FRAME],
];
const TRUTH: Affine = similarityAbout([500, 500], [520, 470], 1.07, 33);

/** `inliers` points mapped by TRUTH (plus Gaussian noise of `sigma` px), then `outliers` random pairs, shuffled. */
function correspondences(inliers: number, outliers: number, sigma: number, seed: number): { src: Point[]; dst: Point[]; isInlier: boolean[] } {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: { src: Point; dst: Point; inlier: boolean }[] = [];
  for (let i = 0; i < inliers; i++) {
    const src: Point = [FRAME * random(), FRAME * random()];
    const [x, y] = applyAffine(TRUTH, src);
    rows.push({ src, dst: [x + sigma * gauss(), y + sigma * gauss()], inlier: true });
  }
  for (let i = 0; i < outliers; i++) rows.push({ src: [FRAME * random(), FRAME * random()], dst: [FRAME * random(), FRAME * random()], inlier: false });
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return { src: rows.map((r) => r.src), dst: rows.map((r) => r.dst), isInlier: rows.map((r) => r.inlier) };
}

describe('estimateSimilarityRansac', () => {
  it('recovers the truth within 0.05 px from exact inliers with 50% outliers', () => {
    const { src, dst, isInlier } = correspondences(40, 40, 0, 1);
    const result = estimateSimilarityRansac(src, dst, { thresholdPx: 2, minInliers: 10, seed: 7 });
    assert.ok(result);
    assert.ok(rmsDistance(result.matrix, TRUTH, CORNERS) < 0.05, `off by ${rmsDistance(result.matrix, TRUTH, CORNERS)} px`);
    const trueInliers = isInlier.flatMap((v, i) => (v ? [i] : []));
    for (const i of trueInliers) assert.ok(result.inliers.includes(i), `inlier ${i} missed`);
    assert.ok(result.inliers.length <= trueInliers.length + 2, `${result.inliers.length} inliers for ${trueInliers.length} true ones`);
    assert.ok(result.rmsPx < 1e-6);
  });

  it('recovers the truth within 0.05 px from noisy inliers (sigma 0.1 px) with 50% outliers, by the least-squares refit', () => {
    const { src, dst } = correspondences(300, 300, 0.1, 2);
    const result = estimateSimilarityRansac(src, dst, { thresholdPx: 1, minInliers: 10, seed: 3 });
    assert.ok(result);
    const error = rmsDistance(result.matrix, TRUTH, CORNERS);
    assert.ok(error < 0.05, `off by ${error.toFixed(3)} px over a ${FRAME} px frame`);
    assert.ok(result.inliers.length >= 295);
  });

  it('is deterministic for a seed', () => {
    const { src, dst } = correspondences(30, 60, 0.5, 4);
    const a = estimateSimilarityRansac(src, dst, { thresholdPx: 2, minInliers: 10, seed: 9, maxIterations: 300 });
    const b = estimateSimilarityRansac(src, dst, { thresholdPx: 2, minInliers: 10, seed: 9, maxIterations: 300 });
    assert.ok(a && b);
    assert.deepEqual(a, b);
  });

  it('scores only the hypotheses the plausibility filter lets through', () => {
    const { src, dst } = correspondences(40, 40, 0, 5);
    assert.equal(estimateSimilarityRansac(src, dst, { thresholdPx: 2, plausible: () => false }), null);
    // A filter that excludes the truth's scale leaves only chance pairs of outliers, far too few inliers.
    assert.equal(estimateSimilarityRansac(src, dst, { thresholdPx: 2, minInliers: 10, plausible: (m) => Math.hypot(m[0], m[3]) < 1 }), null);
  });

  it('gives no model below the minimum inlier count', () => {
    const { src, dst } = correspondences(6, 30, 0, 6);
    assert.equal(estimateSimilarityRansac(src, dst, { thresholdPx: 1, minInliers: 10 }), null);
    assert.ok(estimateSimilarityRansac(src, dst, { thresholdPx: 1, minInliers: 6 }));
  });

  it('gives no model for fewer than 2 points or for sources that all coincide', () => {
    assert.equal(estimateSimilarityRansac([], [], { thresholdPx: 1 }), null);
    assert.equal(estimateSimilarityRansac([[1, 2]], [[3, 4]], { thresholdPx: 1 }), null);
    const same: Point[] = Array.from({ length: 20 }, () => [100, 200]);
    const targets: Point[] = Array.from({ length: 20 }, (_, i) => [i, 2 * i]);
    assert.equal(estimateSimilarityRansac(same, targets, { thresholdPx: 1 }), null);
    // Collinear duplicates: two distinct sources, each repeated, spanning less than the threshold.
    const pairs: Point[] = Array.from({ length: 20 }, (_, i) => (i % 2 ? [10, 10] : [10.5, 10.5]));
    assert.equal(estimateSimilarityRansac(pairs, pairs, { thresholdPx: 1 }), null);
    assert.equal(leastSquaresSimilarity(same, targets), null);
  });

  it('fits distinct collinear points (a similarity needs only two)', () => {
    const src: Point[] = Array.from({ length: 10 }, (_, i) => [10 * i, 5 * i]);
    const dst = src.map((p) => applyAffine(TRUTH, p));
    const result = estimateSimilarityRansac(src, dst, { thresholdPx: 0.5, minInliers: 10 });
    assert.ok(result);
    assert.ok(rmsDistance(result.matrix, TRUTH, CORNERS) < 1e-6);
  });

  it('rejects mismatched inputs and a non-positive threshold', () => {
    assert.throws(() => estimateSimilarityRansac([[0, 0]], [], { thresholdPx: 1 }), RangeError);
    assert.throws(() => estimateSimilarityRansac([], [], { thresholdPx: 0 }), RangeError);
  });
});

describe('leastSquaresSimilarity', () => {
  it('is exact on exact correspondences and excludes reflections', () => {
    const src: Point[] = [
      [0, 0],
      [100, 0],
      [0, 50],
      [30, 70],
    ];
    const m = leastSquaresSimilarity(src, src.map((p) => applyAffine(TRUTH, p)));
    assert.ok(m);
    assert.ok(rmsDistance(m, TRUTH, CORNERS) < 1e-9);
    // The mirror image of the points has no reflection-free fit: the best similarity collapses towards a point.
    const mirrored = leastSquaresSimilarity(src, src.map(([x, y]) => [-x, y] as Point));
    assert.ok(!mirrored || Math.hypot(mirrored[0], mirrored[3]) < 0.5);
  });
});
