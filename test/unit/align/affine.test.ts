import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  affineAtFullSize,
  affineAtReducedSize,
  applyAffine,
  composeAffine,
  invertAffine,
  paramsFromAffine,
  resizeAffine,
  rmsDistance,
  similarityAbout,
  similarityFromParams,
} from '../../../lambdas/core/align/affine.ts';
import type { Affine } from '../../../lambdas/core/types.ts';

function close(a: readonly number[], b: readonly number[], tolerance = 1e-9): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `[${a.join(', ')}] vs [${b.join(', ')}] at ${i}`);
}

describe('affine helpers', () => {
  const m = similarityFromParams({ scale: 1.07, angleDeg: 33, tx: 12.5, ty: -4 });

  it('follows the documented convention: [a, b, tx, c, d, ty], a = d = s cos, c = -b = s sin', () => {
    const s = similarityFromParams({ scale: 2, angleDeg: 90, tx: 1, ty: 2 });
    close(s, [0, -2, 1, 2, 0, 2], 1e-12);
    // (1, 0) turns to (0, 2) then moves by (1, 2): y points down, so +90 deg turns x onto +y.
    close(applyAffine(s, [1, 0]), [1, 4], 1e-12);
  });

  it('round-trips parameters, including angles beyond +-90', () => {
    for (const angleDeg of [-179, -120, -45, 0, 30, 91, 179]) {
      const p = paramsFromAffine(similarityFromParams({ scale: 0.93, angleDeg, tx: 3, ty: -7 }));
      close([p.scale, p.angleDeg, p.tx, p.ty], [0.93, angleDeg, 3, -7], 1e-9);
    }
  });

  it('inverts and composes', () => {
    close(composeAffine(m, invertAffine(m)), [1, 0, 0, 0, 1, 0]);
    close(composeAffine(invertAffine(m), m), [1, 0, 0, 0, 1, 0]);
    const n = similarityFromParams({ scale: 0.8, angleDeg: -70, tx: 1, ty: 2 });
    const p: [number, number] = [17, -3];
    close(applyAffine(composeAffine(m, n), p), applyAffine(m, applyAffine(n, p)));
    assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0] as Affine), /singular/);
  });

  it('similarityAbout moves the centre to the target', () => {
    const s = similarityAbout([100, 50], [300, 200], 1.2, 75);
    close(applyAffine(s, [100, 50]), [300, 200]);
    close([paramsFromAffine(s).scale, paramsFromAffine(s).angleDeg], [1.2, 75]);
  });

  it('converts between full-size and resized pixel grids (OpenCV pixel centres)', () => {
    const half = { fx: 0.5, fy: 0.5 };
    // Full-size pixel centres 0 and 1 average into reduced pixel 0, whose centre sits at full-size 0.5.
    close(applyAffine(resizeAffine(half), [0.5, 0.5]), [0, 0]);
    const quarter = { fx: 0.25, fy: 0.25 };
    const small = affineAtReducedSize(m, quarter, half);
    close(affineAtFullSize(small, quarter, half), m, 1e-9);
    const p: [number, number] = [40, 90];
    close(applyAffine(small, applyAffine(resizeAffine(quarter), p)), applyAffine(resizeAffine(half), applyAffine(m, p)), 1e-9);
  });

  it('measures RMS corner distance', () => {
    const shifted = composeAffine([1, 0, 3, 0, 1, 4], m);
    assert.ok(Math.abs(rmsDistance(m, shifted, [[0, 0], [10, 0], [0, 10], [10, 10]]) - 5) < 1e-9);
  });
});
