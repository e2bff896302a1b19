import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { similarityFromParams } from '../../../lambdas/core/align/affine.ts';
import { warpedByteMaskIou } from '../../../lambdas/core/align/hypothesis-score.ts';
import { boxAbove } from '../../../lambdas/core/align/raster.ts';
import { maskIou } from '../../../lambdas/core/align/translation.ts';
import { warpMask } from '../../../lambdas/core/align/warp.ts';
import { renderSyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';

describe('warpedByteMaskIou', () => {
  it('equals the IoU of the warpMask frame with the reference mask, visiting only the boxes', async () => {
    const ref = renderSyntheticObject({ kind: 'screw', width: 400, height: 300, angleDeg: 10, scale: 1, tx: 0, ty: 0, seed: 1 }).mask;
    const img = renderSyntheticObject({ kind: 'screw', width: 360, height: 320, angleDeg: 70, scale: 1.1, tx: 20, ty: -10, seed: 2 }).mask;
    for (const [angleDeg, scale, tx, ty] of [
      [-60, 0.9, 30, 5],
      [-57.3, 0.93, 12.4, -7.7],
      [120, 1.2, 200, 100],
      [0, 1, 0, 0],
    ]) {
      const m = similarityFromParams({ angleDeg, scale, tx, ty });
      const warped = await warpMask(img, m, ref.width, ref.height);
      const expected = maskIou(warped.data, ref.data);
      const got = warpedByteMaskIou(ref, boxAbove(ref, 0), img, boxAbove(img, 0), m);
      // OpenCV rounds source coordinates in 1/1024 px fixed point: a pixel exactly between two may go either way.
      assert.ok(Math.abs(got - expected) < 1e-3, `angle ${angleDeg}: ${got} vs warpMask ${expected}`);
    }
    assert.equal(warpedByteMaskIou(ref, null, img, null, [1, 0, 0, 0, 1, 0]), 0);
  });
});
