import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskPose } from '../../../lambdas/core/align/coarse-pose.ts';
import type { Mask } from '../../../lambdas/core/types.ts';

const W = 200;
const H = 160;

/** A 120 x 20 bar centred on (cx, cy), its long side at `angleDeg` (y down). */
function bar(cx: number, cy: number, angleDeg: number, value = 255): Mask {
  const t = (angleDeg * Math.PI) / 180;
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = (x - cx) * Math.cos(t) + (y - cy) * Math.sin(t);
      const v = -(x - cx) * Math.sin(t) + (y - cy) * Math.cos(t);
      if (Math.abs(u) <= 60 && Math.abs(v) <= 10) data[y * W + x] = value;
    }
  }
  return { width: W, height: H, data };
}

describe('maskPose', () => {
  it('finds centroid, principal axis and elongation of a bar', () => {
    for (const angle of [-80, -30, 0, 25, 70]) {
      const pose = maskPose(bar(95, 82, angle));
      assert.ok(Math.abs(pose.centroid[0] - 95) < 0.2 && Math.abs(pose.centroid[1] - 82) < 0.2, `centroid ${pose.centroid}`);
      assert.ok(Math.abs(pose.axisDeg - angle) < 0.5, `axis ${pose.axisDeg} for ${angle}`);
      assert.ok(Math.abs(pose.elongation - 6) < 0.3, `elongation ${pose.elongation}`);
      assert.ok(Math.abs(pose.area - 121 * 21) < 150);
    }
  });

  it('counts any nonzero byte once (0/1 masks work like 0/255 ones)', () => {
    assert.deepEqual(maskPose(bar(100, 80, 10, 1)), maskPose(bar(100, 80, 10, 255)));
  });

  it('reports an empty mask as area 0', () => {
    assert.equal(maskPose({ width: W, height: H, data: new Uint8Array(W * H) }).area, 0);
  });
});
