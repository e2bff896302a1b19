import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaussianFilter2d, gaussianKernel1d, reflectIndex } from '../../../lambdas/eval/gaussian.ts';

function assertClose(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} differs from ${expected} by more than ${tolerance}`);
}

describe('gaussianKernel1d', () => {
  it('has scipy radius round(4 sigma), sums to 1 and is symmetric with its peak in the middle', () => {
    const kernel = gaussianKernel1d(4);
    assert.equal(kernel.length, 33);
    assertClose(kernel.reduce((sum, w) => sum + w, 0), 1, 1e-12);
    for (let k = 0; k < 16; k++) {
      assertClose(kernel[k], kernel[32 - k], 1e-15);
      assert.ok(kernel[k] < kernel[k + 1]);
    }
  });

  it('rejects a non-positive sigma', () => {
    assert.throws(() => gaussianKernel1d(0), RangeError);
  });
});

describe('reflectIndex', () => {
  it("folds like scipy's 'reflect' (d c b a | a b c d | d c b a)", () => {
    const size = 4;
    const folded = [-6, -5, -4, -3, -2, -1, 0, 3, 4, 5, 7, 8, 9].map((i) => reflectIndex(i, size));
    assert.deepEqual(folded, [2, 3, 3, 2, 1, 0, 0, 3, 3, 2, 0, 0, 1]);
  });
});

describe('gaussianFilter2d', () => {
  it('matches scipy.ndimage.gaussian_filter(sigma=1) on a 3x3 map (kernel wider than the map)', () => {
    // numpy: gaussian_filter(np.array([[0,0,1],[2,0,0],[0,3,5.]]), sigma=1, mode='reflect')
    const expected = [
      0.49570562, 0.53543408, 0.70587746, 0.897663, 1.1297897, 1.45302932, 1.15468251, 1.92696903, 2.70084927,
    ];
    const smoothed = gaussianFilter2d([0, 0, 1, 2, 0, 0, 0, 3, 5], 3, 3, 1);
    expected.forEach((value, i) => assertClose(smoothed[i], value, 1e-7));
  });

  it('matches scipy on an impulse (sigma 1.5) and keeps a constant map constant', () => {
    const width = 11;
    const impulse = new Float64Array(width * 9);
    impulse[4 * width + 5] = 1;
    const smoothed = gaussianFilter2d(impulse, width, 9, 1.5);
    assertClose(smoothed[4 * width + 5], 0.07073698608724026, 1e-12);
    assertClose(smoothed[4 * width + 4], 0.056641750529659154, 1e-12);
    assertClose(smoothed[0], 9.638396284884617e-6, 1e-15);
    const constant = gaussianFilter2d(new Float64Array(224 * 224).fill(3.25), 224, 224, 4);
    assert.ok(constant.every((value) => Math.abs(value - 3.25) < 1e-12));
  });

  it('rejects a map whose size does not match', () => {
    assert.throws(() => gaussianFilter2d([1, 2, 3], 2, 2, 1), RangeError);
  });
});
