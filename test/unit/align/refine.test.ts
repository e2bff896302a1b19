import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeAffine, invertAffine, paramsFromAffine, similarityAbout } from '../../../lambdas/core/align/affine.ts';
import { gradients, sampleBilinear } from '../../../lambdas/core/align/raster.ts';
import { refineSimilarity } from '../../../lambdas/core/align/refine.ts';
import type { Affine } from '../../../lambdas/core/types.ts';

const W = 96;
const H = 80;

/** A smooth asymmetric pattern: two blobs and a ramp, so every similarity parameter is observable. */
function pattern(x: number, y: number): number {
  return Math.exp(-((x - 40) ** 2 + (y - 35) ** 2) / 120) + 0.6 * Math.exp(-((x - 58) ** 2 + (y - 48) ** 2) / 40) + 0.002 * x;
}

/** Renders the pattern as seen through `imageToPattern`, optionally with a gain and a bias. */
function render(imageToPattern: Affine, gain = 1, bias = 0): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = imageToPattern[0] * x + imageToPattern[1] * y + imageToPattern[2];
      const v = imageToPattern[3] * x + imageToPattern[4] * y + imageToPattern[5];
      out[y * W + x] = gain * pattern(u, v) + bias;
    }
  }
  return out;
}

const target = render([1, 0, 0, 0, 1, 0]);
const support = Int32Array.from({ length: W * H }, (_, i) => i).filter((i) => i % W > 8 && i % W < W - 8 && i / W > 8 && i / W < H - 8);

describe('refineSimilarity', () => {
  // The image shows the pattern turned by 6 deg, scaled by 1.04 and moved by (2.5, -1.5) about (48, 40).
  const truth = similarityAbout([48, 40], [50.5, 38.5], 1.04, 6); // image -> target (pattern) coordinates

  it('recovers a similarity from a start several pixels off to a hundredth of a pixel', () => {
    const values = render(truth);
    const { gx, gy } = gradients({ width: W, height: H, data: values });
    const result = refineSimilarity({ width: W, values: target, pixels: support }, { width: W, height: H, values, gx, gy }, [1, 0, 0, 0, 1, 0], {
      maxIterations: 60,
      tolerancePx: 1e-4,
    });
    assert.equal(result.converged, true);
    const error = composeAffine(result.matrix, invertAffine(truth));
    const p = paramsFromAffine(error);
    assert.ok(Math.abs(p.scale - 1) < 1e-3 && Math.abs(p.angleDeg) < 0.05, JSON.stringify(p));
    // Where the support's corners land differs by < 0.01 px.
    for (const [x, y] of [[8, 8], [88, 8], [8, 72], [88, 72]]) {
      assert.ok(Math.hypot(error[0] * x + error[1] * y + error[2] - x, error[3] * x + error[4] * y + error[5] - y) < 0.01);
    }
  });

  it('fits gain and bias when asked, and is thrown off without them', () => {
    const values = render(truth, 1.6, 0.3);
    const { gx, gy } = gradients({ width: W, height: H, data: values });
    const source = { width: W, height: H, values, gx, gy };
    const targetSide = { width: W, values: target, pixels: support };
    const withPhotometric = refineSimilarity(targetSide, source, [1, 0, 0, 0, 1, 0], { photometric: true, maxIterations: 60, tolerancePx: 1e-4 });
    const corner = (m: Affine) => {
      const e = composeAffine(m, invertAffine(truth));
      return Math.hypot(e[0] * 88 + e[1] * 72 + e[2] - 88, e[3] * 88 + e[4] * 72 + e[5] - 72);
    };
    // Bilinear resampling leaves a residual the two extra parameters absorb a little of: ~0.04 px.
    assert.ok(corner(withPhotometric.matrix) < 0.06, `photometric fit off by ${corner(withPhotometric.matrix)}`);
    const without = refineSimilarity(targetSide, source, [1, 0, 0, 0, 1, 0], { maxIterations: 60 });
    assert.ok(corner(without.matrix) > 1, `without gain/bias only ${corner(without.matrix)} px off`);
  });

  it('samples bilinearly with replicated borders', () => {
    const data = Float32Array.from([0, 10, 20, 30]);
    assert.equal(sampleBilinear(data, 2, 2, 0.5, 0.5), 15);
    assert.equal(sampleBilinear(data, 2, 2, -3, 0), 0);
    assert.equal(sampleBilinear(data, 2, 2, 5, 5), 30);
  });
});
