import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntegrityError } from '../../lambdas/ground/errors.ts';
import { decodeMask, encodeMaskPng } from '../../lambdas/core/image-io.ts';
import { isPackedMask, packMask, unpackMask } from '../../lambdas/core/mask-pack.ts';
import { mulberry32 } from '../../lambdas/ground/prng.ts';
import type { Mask } from '../../lambdas/core/types.ts';

function maskOf(width: number, height: number, on: (x: number, y: number) => boolean): Mask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = on(x, y) ? 255 : 0;
  return { width, height, data };
}

/** a screw-like silhouette: a tilted capsule */
const capsule = (w: number, h: number) =>
  maskOf(w, h, (x, y) => {
    const u = (x - w / 2) * Math.cos(0.6) + (y - h / 2) * Math.sin(0.6);
    const v = -(x - w / 2) * Math.sin(0.6) + (y - h / 2) * Math.cos(0.6);
    return Math.abs(u) < w * 0.35 && Math.abs(v) < h * 0.06 + 3 * Math.sin(u / 4);
  });

describe('packed masks', () => {
  it('round-trips exactly: shapes, empty, full, edges touching the borders, noise', () => {
    const rand = mulberry32(7);
    const cases: Mask[] = [
      capsule(256, 200),
      maskOf(31, 17, () => false),
      maskOf(31, 17, () => true),
      maskOf(40, 40, (x, y) => x === 0 || x === 39 || y === 0 || (x > 10 && x < 12) || (x + y) % 7 === 0),
      maskOf(64, 48, () => rand() < 0.5),
      maskOf(1, 1, () => true),
    ];
    for (const m of cases) {
      const packed = packMask(m);
      assert.ok(isPackedMask(packed));
      assert.deepEqual(unpackMask(packed, 'm.bin'), m);
    }
  });

  it('decodeMask reads packed masks and PNG masks alike', async () => {
    const m = capsule(128, 96);
    assert.deepEqual(await decodeMask(packMask(m), 'mask.bin'), m);
    assert.deepEqual(await decodeMask(await encodeMaskPng(m), 'mask.png'), m);
  });

  it('is smaller than the 1-bit PNG for a smooth shape', async () => {
    const m = capsule(1024, 1024);
    const packed = packMask(m).length;
    const png = (await encodeMaskPng(m)).length;
    assert.ok(packed < png / 2, `packed ${packed} B, PNG ${png} B`);
  });

  it('refuses truncated or edited bytes with an IntegrityError naming the file', () => {
    const packed = packMask(capsule(256, 200));
    assert.throws(() => unpackMask(packed.subarray(0, packed.length - 5), 'mask.bin'), (e: unknown) => e instanceof IntegrityError && /^mask\.bin: /.test((e as Error).message));
    const edited = Buffer.from(packed);
    edited[5] = 0; // width 0
    assert.throws(() => unpackMask(edited, 'mask.bin'), IntegrityError);
    assert.throws(() => unpackMask(Buffer.from('PNG...'), 'mask.bin'), IntegrityError);
  });
});
