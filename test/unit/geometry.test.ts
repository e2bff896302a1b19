import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cropImage, growToMinimum, padImage, psnr } from '../../lambdas/core/geometry.ts';

describe('geometry', () => {
  it('crop then pad restores the region and blanks the rest', () => {
    const img = { width: 6, height: 4, channels: 1 as const, data: Uint8Array.from({ length: 24 }, (_, i) => i + 1) };
    const r = { x: 2, y: 1, width: 3, height: 2 };
    const c = cropImage(img, r);
    assert.deepEqual([...c.data], [9, 10, 11, 15, 16, 17]);
    const p = padImage(c, r, 6, 4);
    assert.equal(p.data[1 * 6 + 2], 9);
    assert.equal(p.data[0], 0);
    assert.throws(() => cropImage(img, { x: 5, y: 0, width: 2, height: 1 }), /exceeds/);
  });

  it('grows a small region to the minimum side around its centre, inside the frame, on even coordinates', () => {
    assert.deepEqual(growToMinimum({ x: 100, y: 10, width: 36, height: 200 }, 64, 512, 512), { x: 86, y: 10, width: 64, height: 200 });
    assert.deepEqual(growToMinimum({ x: 0, y: 0, width: 10, height: 10 }, 64, 512, 512), { x: 0, y: 0, width: 64, height: 64 });
    assert.deepEqual(growToMinimum({ x: 500, y: 500, width: 10, height: 10 }, 64, 512, 512), { x: 448, y: 448, width: 64, height: 64 });
    assert.deepEqual(growToMinimum({ x: 4, y: 4, width: 10, height: 10 }, 64, 40, 40), { x: 0, y: 0, width: 40, height: 40 });
  });

  it('PSNR is infinite for equal images and counts only the masked pixels', () => {
    const a = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.from([10, 20]) };
    const b = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.from([10, 30]) };
    assert.equal(psnr(a, a), Infinity);
    assert.equal(psnr(a, b, Uint8Array.from([255, 0])), Infinity);
    assert.ok(Math.abs(psnr(a, b) - 10 * Math.log10((255 * 255) / 50)) < 1e-9);
  });
});
