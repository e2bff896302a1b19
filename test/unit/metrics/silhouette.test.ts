import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containmentOutside,
  frameSilhouette,
  silhouetteIou,
  silhouetteThreshold,
  summarise,
  unionFraction,
} from '../../../lambdas/core/metrics/silhouette.ts';
import type { Image, Mask } from '../../../lambdas/core/types.ts';

const W = 120;
const H = 100;

function frame(draw: (x: number, y: number) => number): Image {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = draw(x, y);
  return { width: W, height: H, channels: 1, data };
}

function rect(x0: number, y0: number, x1: number, y1: number): Mask {
  const data = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * W + x] = 255;
  return { width: W, height: H, data };
}

const count = (m: Mask) => m.data.reduce((s, v) => s + (v ? 1 : 0), 0);

describe('PROTOCOL silhouettes', () => {
  it('takes the threshold from the non-blanked pixels only', () => {
    // A blanked frame: 0 outside a window; inside it, object 60 and background 200.
    const blanked = frame((x, y) => (x < 20 || x >= 100 ? 0 : x >= 40 && x < 80 && y >= 30 && y < 70 ? 60 : 200));
    const t = silhouetteThreshold(blanked);
    assert.ok(t >= 60 && t < 200, `threshold ${t}`);
  });

  it('bands (8, threshold), closes 31x31, keeps the largest part and fills its holes', async () => {
    const image = frame((x, y) => {
      if (x >= 20 && x < 50 && y >= 30 && y < 70) return 60; // left half of the object
      if (x >= 60 && x < 90 && y >= 30 && y < 70) return 60; // right half, 10 px apart: closed together
      if (x >= 100 && x < 104 && y >= 5 && y < 9) return 60; // a speck far away: dropped
      if (x < 3) return 0; // blanked column: never part of a silhouette
      return 200;
    });
    const silhouette = await frameSilhouette(image, 128);
    assert.equal(silhouette.data[50 * W + 55], 255, 'gap between the halves closed');
    assert.equal(silhouette.data[6 * W + 101], 0, 'speck kept');
    assert.equal(silhouette.data[50 * W + 1], 0);
    // The two halves and (nearly all of) the gap: a disc closing rounds the gap's four corners slightly.
    assert.ok(count(silhouette) > 70 * 40 - 40 && count(silhouette) <= 70 * 40, `area ${count(silhouette)}`);
    const withHole = frame((x, y) => (x >= 20 && x < 100 && y >= 20 && y < 80 && !(x >= 40 && x < 80 && y >= 35 && y < 65) ? 60 : 200));
    assert.equal(count(await frameSilhouette(withHole, 128)), 80 * 60, 'hole filled');
  });

  it('measures IoU, containment and union fraction', () => {
    const a = rect(10, 10, 50, 50);
    const b = rect(30, 10, 70, 50);
    assert.equal(silhouetteIou(a, b), 800 / 2400);
    assert.equal(silhouetteIou(a, a), 1);
    assert.equal(containmentOutside(a, rect(0, 0, 40, 100)), 400 / 1600);
    assert.equal(containmentOutside(a, rect(0, 0, 120, 100)), 0);
    assert.equal(unionFraction(a), 1600 / (W * H));
    assert.equal(unionFraction(a, 2 * W, H), 1600 / (2 * W * H), 'cropped union against the original frame');
  });

  it('summarises mean, min and the 5th percentile', () => {
    const values = Array.from({ length: 40 }, (_, i) => (i + 1) / 40);
    const s = summarise(values);
    assert.equal(s.min, 1 / 40);
    assert.equal(s.p5, 2 / 40);
    assert.ok(Math.abs(s.mean - 20.5 / 40) < 1e-12);
  });
});
