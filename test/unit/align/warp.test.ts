import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { similarityFromParams, warpImage, warpMask } from '../../../lambdas/core/align/index.ts';
import type { Affine, Image, Mask } from '../../../lambdas/core/types.ts';

const W = 40;
const H = 30;

function ramp(channels: 1 | 3): Image {
  const data = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < channels; c++) data[(y * W + x) * channels + c] = 5 * x + c;
  return { width: W, height: H, channels, data };
}

describe('warpImage / warpMask', () => {
  it('moves pixels the way the matrix says (image -> reference)', async () => {
    const shift: Affine = [1, 0, 3, 0, 1, 2];
    const out = await warpImage(ramp(1), shift, W, H, { interpolation: 'nearest' });
    // Reference pixel (10, 10) comes from image pixel (7, 8).
    assert.equal(out.data[10 * W + 10], 5 * 7);
    assert.equal(out.channels, 1);
  });

  it('replicates the border by default and blanks it on request', async () => {
    const shift: Affine = [1, 0, 5, 0, 1, 0];
    const replicated = await warpImage(ramp(1), shift, W, H);
    assert.equal(replicated.data[3 * W + 0], 0); // column 0 replicated: 5 * 0
    const grey = { ...ramp(1), data: ramp(1).data.map((v) => v + 20) };
    const replicatedGrey = await warpImage(grey, shift, W, H);
    assert.equal(replicatedGrey.data[3 * W + 1], 20);
    const zero = await warpImage(grey, shift, W, H, { border: 'zero' });
    assert.equal(zero.data[3 * W + 1], 0);
  });

  it('keeps colour channels apart and can change the frame size', async () => {
    const out = await warpImage(ramp(3), [1, 0, 0, 0, 1, 0], 20, 10, { interpolation: 'nearest' });
    assert.deepEqual([out.width, out.height, out.channels], [20, 10, 3]);
    assert.deepEqual([...out.data.subarray((2 * 20 + 4) * 3, (2 * 20 + 4) * 3 + 3)], [20, 21, 22]);
  });

  it('keeps masks binary and zero outside the source', async () => {
    const data = new Uint8Array(W * H);
    for (let y = 5; y < 25; y++) for (let x = 8; x < 30; x++) data[y * W + x] = 255;
    const mask: Mask = { width: W, height: H, data };
    const turned = await warpMask(mask, similarityFromParams({ scale: 1.3, angleDeg: 17, tx: 2, ty: -3 }), W, H);
    assert.ok(turned.data.every((v) => v === 0 || v === 255));
    assert.ok(turned.data.some((v) => v === 255));
    const away = await warpMask(mask, [1, 0, 100, 0, 1, 0], W, H);
    assert.ok(away.data.every((v) => v === 0));
  });

  it('refuses a non-finite matrix', async () => {
    await assert.rejects(warpImage(ramp(1), [1, 0, NaN, 0, 1, 0], W, H), /non-finite/);
  });
});
