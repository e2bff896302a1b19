import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Image, Mask } from '../../lambdas/core/types.ts';
import { applyMask, maskBoundingBox, maskFraction, UnionMaskBuilder } from '../../lambdas/core/union-mask.ts';
import { DEFAULT_MARGIN_PX } from '../../lambdas/core/compress/options.ts';

const W = 50;
const H = 40;

function rect(x0: number, y0: number, x1: number, y1: number, width = W, height = H): Mask {
  const data = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = 255;
  return { width, height, data };
}

describe('UnionMaskBuilder', () => {
  it('ORs masks and grows the union by a round margin', () => {
    const builder = new UnionMaskBuilder();
    builder.add(rect(10, 10, 20, 20));
    builder.add(rect(15, 15, 30, 25));
    assert.equal(builder.size, 2);
    const bare = builder.finish(0);
    assert.equal(maskFraction(bare), (100 + 150 - 25) / (W * H));
    const grown = builder.finish(3);
    // 3 px beyond an edge is in, 4 px is out; a corner grows round (no pixel at (+3, +3) diagonally).
    assert.equal(grown.data[15 * W + 7], 255);
    assert.equal(grown.data[15 * W + 6], 0);
    assert.equal(grown.data[7 * W + 7], 0);
    assert.equal(grown.data[8 * W + 8], 255);
    assert.ok(grown.data.every((v) => v === 0 || v === 255));
  });

  it('refuses masks of another size and an empty union', () => {
    const builder = new UnionMaskBuilder();
    assert.throws(() => builder.finish(2), /empty/);
    builder.add(rect(0, 0, 5, 5));
    assert.throws(() => builder.add(rect(0, 0, 5, 5, W + 1, H)), /51x40/);
    assert.throws(() => builder.finish(-1), /non-negative/);
  });

  it('ORs in partial unions: the same union as adding every mask, counted per mask; raw() is the union not grown', () => {
    const masks = [rect(10, 10, 20, 20), rect(15, 15, 30, 25), rect(0, 0, 4, 4), rect(40, 30, 50, 40)];
    const whole = new UnionMaskBuilder();
    for (const m of masks) whole.add(m);
    const partial = (ms: ReturnType<typeof rect>[]) => {
      const b = new UnionMaskBuilder();
      for (const m of ms) b.add(m);
      return b.raw()!;
    };
    const merged = new UnionMaskBuilder();
    assert.equal(merged.raw(), null);
    merged.addUnion(partial(masks.slice(0, 3)), 3);
    merged.addUnion(partial(masks.slice(2)), 2); // overlapping: OR is idempotent
    assert.equal(merged.size, 5);
    assert.deepEqual(merged.raw(), whole.raw());
    assert.deepEqual(merged.finish(DEFAULT_MARGIN_PX), whole.finish(DEFAULT_MARGIN_PX));
    assert.deepEqual(whole.raw()!.data, whole.finish(0).data);
    const copy = whole.raw()!;
    copy.data.fill(0);
    assert.notDeepEqual(whole.raw()!.data, copy.data, 'raw() is a copy');
    assert.throws(() => merged.addUnion(rect(0, 0, 1, 1, W, H + 1), 1), /50x41/);
    assert.throws(() => merged.addUnion(rect(0, 0, 1, 1), -1), /whole number/);
  });

  it('has a default margin in the measured range', () => {
    assert.ok(Number.isInteger(DEFAULT_MARGIN_PX) && DEFAULT_MARGIN_PX >= 2 && DEFAULT_MARGIN_PX <= 16);
  });
});

describe('applyMask / maskFraction / maskBoundingBox', () => {
  it('blanks everything outside the mask, in every channel', () => {
    const image: Image = { width: W, height: H, channels: 3, data: new Uint8Array(W * H * 3).fill(77) };
    const out = applyMask(image, rect(5, 5, 10, 10));
    assert.deepEqual([...out.data.subarray((6 * W + 6) * 3, (6 * W + 6) * 3 + 3)], [77, 77, 77]);
    assert.deepEqual([...out.data.subarray(0, 3)], [0, 0, 0]);
    assert.equal(image.data[0], 77, 'input untouched');
    assert.throws(() => applyMask(image, rect(0, 0, 1, 1, 10, 10)), /differ|mask is/);
  });

  it('measures the set share', () => {
    assert.equal(maskFraction(rect(0, 0, 25, 40)), 0.5);
    assert.equal(maskFraction(rect(0, 0, 0, 0)), 0);
  });

  it('bounds the set pixels on an even grid, inside the frame', () => {
    assert.deepEqual(maskBoundingBox(rect(11, 7, 20, 14)), { x: 10, y: 6, width: 10, height: 8 });
    assert.deepEqual(maskBoundingBox(rect(11, 7, 20, 14), 1), { x: 11, y: 7, width: 9, height: 7 });
    assert.deepEqual(maskBoundingBox(rect(3, 3, 50, 40), 4), { x: 0, y: 0, width: 50, height: 40 });
    assert.equal(maskBoundingBox(rect(0, 0, 0, 0)), null);
    const odd = rect(40, 30, 51, 39, 51, 39);
    assert.deepEqual(maskBoundingBox(odd, 2), { x: 40, y: 30, width: 11, height: 9 }); // clipped at the odd frame edge
  });
});
