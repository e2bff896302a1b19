import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAffine, invertAffine } from '../../lambdas/core/align/affine.ts';
import { generateSyntheticDataset, renderSyntheticObject } from '../../lambdas/core/synthetic/objects.ts';

const SIZE = 256;

function maskArea(data: Uint8Array): number {
  return data.reduce((s, v) => s + (v ? 1 : 0), 0);
}

describe('renderSyntheticObject', () => {
  it('puts the object where its pose says, with a dark object on a light background', () => {
    for (const kind of ['screw', 'asymmetric'] as const) {
      const shot = renderSyntheticObject({ kind, width: SIZE, height: SIZE, angleDeg: 70, scale: 1.1, tx: 20, ty: -10, seed: 3 });
      const { image, mask, pose, corners } = shot;
      assert.deepEqual([image.width, image.height, image.channels, mask.width, mask.height], [SIZE, SIZE, 1, SIZE, SIZE]);
      // The canonical origin lands at the frame centre plus the offset.
      const origin = applyAffine(pose, [0, 0]);
      assert.ok(Math.abs(origin[0] - (SIZE / 2 + 20)) < 1e-9 && Math.abs(origin[1] - (SIZE / 2 - 10)) < 1e-9);
      // Every mask pixel lies inside the posed bounding box (corners), and the box is not much larger.
      const toCanonical = invertAffine(pose);
      const box = corners.map((c) => applyAffine(toCanonical, c));
      const [bx0, by0] = box[0];
      const [bx1, by1] = box[2];
      let object = 0;
      let inside = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          if (!mask.data[y * SIZE + x]) continue;
          object++;
          const [u, v] = applyAffine(toCanonical, [x, y]);
          if (u >= bx0 - 1 && u <= bx1 + 1 && v >= by0 - 1 && v <= by1 + 1) inside++;
        }
      }
      assert.equal(inside, object, `${kind}: mask pixels outside the posed box`);
      assert.ok(object > 0.2 * Math.abs((bx1 - bx0) * (by1 - by0)) * 1.1 ** 2, `${kind}: object fills too little of its box`);
      // Object darker than the background, and all of it inside the frame.
      let objectSum = 0;
      let backgroundSum = 0;
      for (let i = 0; i < SIZE * SIZE; i++) {
        if (mask.data[i]) objectSum += image.data[i];
        else backgroundSum += image.data[i];
      }
      assert.ok(objectSum / object < backgroundSum / (SIZE * SIZE - object) - 60);
      for (const [x, y] of corners) assert.ok(x > 0 && y > 0 && x < SIZE && y < SIZE);
    }
  });

  it('anti-aliases the outline and is deterministic in its seeds', () => {
    const a = renderSyntheticObject({ kind: 'asymmetric', width: SIZE, height: SIZE, angleDeg: 33, scale: 1, tx: 0, ty: 0, seed: 9 });
    const b = renderSyntheticObject({ kind: 'asymmetric', width: SIZE, height: SIZE, angleDeg: 33, scale: 1, tx: 0, ty: 0, seed: 9 });
    const c = renderSyntheticObject({ kind: 'asymmetric', width: SIZE, height: SIZE, angleDeg: 33, scale: 1, tx: 0, ty: 0, seed: 10 });
    assert.deepEqual(a.image.data, b.image.data);
    assert.notDeepEqual(a.image.data, c.image.data);
    assert.deepEqual(a.mask.data, c.mask.data, 'the noise seed must not move the object');
    // Grey levels strictly between object and background along the slanted outline.
    const levels = new Set<number>();
    for (let i = 0; i < SIZE * SIZE; i++) if (a.image.data[i] > 120 && a.image.data[i] < 170) levels.add(a.image.data[i]);
    assert.ok(levels.size > 20, `only ${levels.size} intermediate levels`);
  });

  it('scales the object with the pose', () => {
    const small = renderSyntheticObject({ kind: 'screw', width: SIZE, height: SIZE, angleDeg: 0, scale: 0.9, tx: 0, ty: 0, seed: 1 });
    const large = renderSyntheticObject({ kind: 'screw', width: SIZE, height: SIZE, angleDeg: 0, scale: 1.1, tx: 0, ty: 0, seed: 1 });
    const ratio = maskArea(large.mask.data) / maskArea(small.mask.data);
    assert.ok(Math.abs(ratio - (1.1 / 0.9) ** 2) < 0.05, `area ratio ${ratio}`);
  });

  it('refuses a frame too small to draw in', () => {
    assert.throws(() => renderSyntheticObject({ kind: 'screw', width: 8, height: 8, angleDeg: 0, scale: 1, tx: 0, ty: 0, seed: 1 }), /too small/);
  });
});

describe('generateSyntheticDataset', () => {
  it('yields count named shots with poses in the documented ranges, reproducibly', async () => {
    const collect = async (seed: number) => {
      const items = [];
      for await (const item of generateSyntheticDataset({ count: 12, width: SIZE, height: SIZE, kind: 'screw', seed })) items.push(item);
      return items;
    };
    const items = await collect(5);
    assert.equal(items.length, 12);
    assert.equal(new Set(items.map((i) => i.name)).size, 12);
    assert.match(items[0].name, /^screw-000\.png$/);
    const angles = new Set<number>();
    for (const { pose, image } of items) {
      const scale = Math.hypot(pose[0], pose[3]);
      assert.ok(scale >= 0.9 && scale <= 1.1, `scale ${scale}`);
      assert.ok(Math.abs(pose[2] - SIZE / 2) <= 0.15 * SIZE && Math.abs(pose[5] - SIZE / 2) <= 0.15 * SIZE);
      angles.add(Math.round((Math.atan2(pose[3], pose[0]) * 180) / Math.PI / 45));
      assert.equal(image.width, SIZE);
    }
    assert.ok(angles.size >= 4, 'rotations should spread over the circle');
    const again = await collect(5);
    assert.deepEqual(again[3].image.data, items[3].image.data);
  });
});
