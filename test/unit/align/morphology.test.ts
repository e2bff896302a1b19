// The distance-free disc morphology must match OpenCV's elliptical kernels pixel for pixel (PROTOCOL's 31x31
// closing is defined by them), at a fraction of the cost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCv } from '../../../lambdas/core/cv.ts';
import { closeDisc, dilateDisc, erodeDisc, openDisc } from '../../../lambdas/core/align/morphology.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';

const W = 160;
const H = 120;

/** Random blobs and specks: concave outlines, holes, thin gaps, pixels on the frame edge. */
function scene(seed: number): Uint8Array {
  const random = mulberry32(seed);
  const mask = new Uint8Array(W * H);
  for (let k = 0; k < 12; k++) {
    const cx = random() * W;
    const cy = random() * H;
    const rx = 3 + random() * 25;
    const ry = 3 + random() * 25;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) mask[y * W + x] = 255;
  }
  for (let k = 0; k < 200; k++) mask[Math.floor(random() * W * H)] = 255;
  return mask;
}

async function opencv(mask: Uint8Array, op: 'dilate' | 'erode' | 'close' | 'open', radius: number): Promise<Uint8Array> {
  const cv = await loadCv();
  const src = new cv.Mat(H, W, cv.CV_8UC1);
  const dst = new cv.Mat();
  const kernel = cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(2 * radius + 1, 2 * radius + 1));
  try {
    src.data.set(mask);
    const code = { dilate: cv.MORPH_DILATE, erode: cv.MORPH_ERODE, close: cv.MORPH_CLOSE, open: cv.MORPH_OPEN }[op];
    cv.morphologyEx(src, dst, code, kernel);
    return new Uint8Array(dst.data);
  } finally {
    src.delete();
    dst.delete();
    kernel.delete();
  }
}

describe('disc morphology', () => {
  const ops = { dilate: dilateDisc, erode: erodeDisc, close: closeDisc, open: openDisc } as const;
  for (const op of Object.keys(ops) as (keyof typeof ops)[]) {
    it(`${op} equals cv.morphologyEx with MORPH_ELLIPSE for radii 1-15`, async () => {
      for (const [seed, radius] of [[1, 1], [2, 2], [3, 3], [4, 5], [5, 8], [6, 15]] as const) {
        const mask = scene(seed);
        const mine = ops[op](mask, W, H, radius);
        const theirs = await opencv(mask, op, radius);
        let differing = 0;
        for (let i = 0; i < mine.length; i++) if ((mine[i] !== 0) !== (theirs[i] !== 0)) differing++;
        assert.equal(differing, 0, `${op} r=${radius}: ${differing} pixels differ`);
        assert.ok(mine.every((v) => v === 0 || v === 255));
      }
    });
  }

  it('radius 0 is the identity and does not alias its input', () => {
    const mask = scene(9);
    const out = dilateDisc(mask, W, H, 0);
    assert.deepEqual(out, mask.map((v) => (v ? 255 : 0)));
    assert.notEqual(out, mask);
  });
});
