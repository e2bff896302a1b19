import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentationError } from '../../../lambdas/ground/errors.ts';
import { segmentThreshold, segmentThresholdWithDiagnostics, thresholdDiagnostics, workingFactor } from '../../../lambdas/core/segment/threshold.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';
import { renderSyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';
import type { Image, Mask } from '../../../lambdas/core/types.ts';

const SIZE = 320;

function iou(a: Mask, b: Mask): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] && b.data[i]) inter++;
    if (a.data[i] || b.data[i]) union++;
  }
  return inter / union;
}

function area(m: Mask): number {
  return m.data.reduce((s, v) => s + (v ? 1 : 0), 0);
}

/** A bar at 80 on a 210 background, optionally with a soft shadow, a highlight reaching its outline, dust. */
function bar(opts: { shadow?: boolean; highlight?: boolean; dust?: boolean } = {}): { image: Image; truth: Mask } {
  const random = mulberry32(4);
  const data = new Uint8Array(SIZE * SIZE);
  const truth = new Uint8Array(SIZE * SIZE);
  const inBar = (x: number, y: number) => x >= 60 && x < 260 && y >= 130 && y < 180;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let v = 210;
      // Soft shadow below/right of the bar: a wide ramp down to ~150, the kind Otsu alone swallows.
      if (opts.shadow) {
        const dx = Math.max(0, 70 - x, x - 270);
        const dy = Math.max(0, 140 - y, y - 205);
        v -= 60 * Math.exp(-(dx * dx + dy * dy) / (2 * 14 * 14));
      }
      if (inBar(x, y)) {
        truth[y * SIZE + x] = 255;
        v = 80;
        // A specular stripe as bright as the background, reaching the outline through a narrow gap (as on the
        // shank of some MVTec screws): Otsu cuts it out, the closing seals the gap, hole filling restores it.
        if (opts.highlight && ((y >= 137 && y < 150 && x > 100 && x < 220) || (y < 137 && x >= 150 && x < 156))) v = 205;
      }
      if (opts.dust && (x - 30) ** 2 + (y - 40) ** 2 < 9) v = 60;
      data[y * SIZE + x] = Math.max(0, Math.min(255, Math.round(v + 2 * (random() - 0.5))));
    }
  }
  return { image: { width: SIZE, height: SIZE, channels: 1, data }, truth: { width: SIZE, height: SIZE, data: truth } };
}

describe('segmentThreshold', () => {
  it('finds a dark object on a light background (synthetic screw and bracket)', async () => {
    for (const kind of ['screw', 'asymmetric'] as const) {
      const shot = renderSyntheticObject({ kind, width: SIZE, height: SIZE, angleDeg: 25, scale: 1, tx: 5, ty: -8, seed: 2 });
      const { mask, diagnostics } = await segmentThresholdWithDiagnostics(shot.image, { name: `${kind}.png` });
      // The closing fills the screw's thread valleys on purpose, so its IoU with the exact outline is lower.
      assert.ok(iou(mask, shot.mask) > (kind === 'screw' ? 0.85 : 0.97), `${kind}: IoU ${iou(mask, shot.mask)}`);
      assert.equal(diagnostics.objectIsDark, true);
      assert.ok(diagnostics.bimodality > 0.8, `bimodality ${diagnostics.bimodality}`);
      assert.equal(diagnostics.largestComponentShare, 1);
      assert.equal(diagnostics.borderTouch, 0);
      assert.ok(mask.data.every((v) => v === 0 || v === 255));
    }
  });

  it('decides polarity from the border: a bright object on a dark background', async () => {
    const { image, truth } = bar();
    const inverted: Image = { ...image, data: image.data.map((v) => 255 - v) };
    const { mask, diagnostics } = await segmentThresholdWithDiagnostics(inverted);
    assert.equal(diagnostics.objectIsDark, false);
    assert.ok(iou(mask, truth) > 0.97, `IoU ${iou(mask, truth)}`);
  });

  it('uses luminance for colour images', async () => {
    const { image, truth } = bar();
    const rgb = new Uint8Array(SIZE * SIZE * 3);
    for (let i = 0; i < SIZE * SIZE; i++) {
      // A blue-ish object on a yellow-ish background.
      rgb[3 * i] = image.data[i];
      rgb[3 * i + 1] = image.data[i];
      rgb[3 * i + 2] = Math.min(255, image.data[i] + 30);
    }
    const mask = await segmentThreshold({ width: SIZE, height: SIZE, channels: 3, data: rgb });
    assert.ok(iou(mask, truth) > 0.97);
  });

  it('colour-distance plane: an object of the background\'s brightness in another colour, which luminance cannot see', async () => {
    const shot = renderSyntheticObject({
      kind: 'asymmetric', width: SIZE, height: SIZE, angleDeg: 40, scale: 1, tx: 6, ty: -4, seed: 3,
      backgroundLevel: 100, tint: { object: [1.4, 0.9, 0.5], background: [0.6, 1.1, 1.2] },
    });
    assert.equal(shot.image.channels, 3);
    const colour = await segmentThresholdWithDiagnostics(shot.image, { name: 'colour.png', channel: 'colour-distance' });
    assert.equal(colour.diagnostics.channel, 'colour-distance');
    assert.equal(colour.diagnostics.objectIsDark, false, 'the background is near distance 0');
    assert.ok(iou(colour.mask, shot.mask) > 0.97, `colour-distance IoU ${iou(colour.mask, shot.mask)}`);
    // on luminance the same image gives no usable object: refused, or a mask far from the truth
    const onLuminance = await segmentThresholdWithDiagnostics(shot.image).catch((e: unknown) => {
      assert.ok(e instanceof SegmentationError, String(e));
      return null;
    });
    if (onLuminance) assert.ok(iou(onLuminance.mask, shot.mask) < 0.5, `luminance IoU ${iou(onLuminance.mask, shot.mask)}`);
  });

  it('colour-distance needs an RGB image', async () => {
    const { image } = bar();
    await assert.rejects(segmentThreshold(image, { channel: 'colour-distance' }), RangeError);
  });

  it('stops at the outline, not in the soft shadow Otsu alone would take', async () => {
    const { image, truth } = bar({ shadow: true });
    const refined = await segmentThresholdWithDiagnostics(image);
    const plain = await segmentThresholdWithDiagnostics(image, { edgeRefine: false });
    assert.ok(refined.diagnostics.threshold < plain.diagnostics.otsuThreshold);
    assert.ok(iou(refined.mask, truth) > 0.97, `refined IoU ${iou(refined.mask, truth)}`);
    assert.ok(iou(plain.mask, truth) < iou(refined.mask, truth), `plain ${iou(plain.mask, truth)} vs refined ${iou(refined.mask, truth)}`);
  });

  it('restores a highlight that reaches the outline and drops dust', async () => {
    const { image, truth } = bar({ highlight: true, dust: true });
    const mask = await segmentThreshold(image);
    assert.ok(iou(mask, truth) > 0.97, `IoU ${iou(mask, truth)}`);
    assert.equal(mask.data[40 * SIZE + 30], 0, 'dust speck kept');
    assert.equal(mask.data[143 * SIZE + 160], 255, 'highlight not restored');
    assert.equal(mask.data[134 * SIZE + 152], 255, 'gap not sealed');
  });

  it('refuses noise and a blank frame with a SegmentationError naming the file', async () => {
    const random = mulberry32(1);
    const noise: Image = { width: SIZE, height: SIZE, channels: 1, data: Uint8Array.from({ length: SIZE * SIZE }, () => Math.floor(256 * random())) };
    await assert.rejects(segmentThreshold(noise, { name: 'noise.png' }), (e: unknown) => e instanceof SegmentationError && /noise\.png/.test(e.message));
    const blank: Image = { width: SIZE, height: SIZE, channels: 1, data: new Uint8Array(SIZE * SIZE).fill(128) };
    await assert.rejects(segmentThreshold(blank, { name: 'blank.png' }), SegmentationError);
    const d = await thresholdDiagnostics(noise);
    assert.ok(d.objectFraction > 0.8 || d.largestComponentShare < 0.5, JSON.stringify(d));
  });

  it('refuses an object too small to be plausible', async () => {
    const data = new Uint8Array(SIZE * SIZE).fill(200);
    for (let y = 100; y < 104; y++) for (let x = 100; x < 104; x++) data[y * SIZE + x] = 40;
    await assert.rejects(segmentThreshold({ width: SIZE, height: SIZE, channels: 1, data }, { name: 'speck.png' }), /no object found/);
    assert.ok(area(await segmentThreshold({ width: SIZE, height: SIZE, channels: 1, data }, { minAreaFraction: 0 })) > 0);
  });

  it('works on a reduced plane when the closing is wide, and its mask follows the full-size one', async () => {
    assert.equal(workingFactor(15), 2, 'a 1024 px frame (closing radius 15) works at half size');
    assert.equal(workingFactor(6), 1, 'a 384 px frame (radius 6) at full size');
    assert.equal(workingFactor(31), 5);
    for (const kind of ['screw', 'asymmetric'] as const) {
      const shot = renderSyntheticObject({ kind, width: 1024, height: 1024, angleDeg: 35, scale: 3, tx: 12, ty: -20, seed: 5 });
      const full = await segmentThresholdWithDiagnostics(shot.image, { workingFactor: 1 });
      const reduced = await segmentThresholdWithDiagnostics(shot.image);
      assert.equal(reduced.mask.width, 1024);
      assert.ok(reduced.mask.data.every((v) => v === 0 || v === 255));
      assert.ok(iou(reduced.mask, full.mask) > 0.98, `${kind}: reduced vs full IoU ${iou(reduced.mask, full.mask)}`);
      assert.ok(Math.abs(reduced.diagnostics.objectFraction - full.diagnostics.objectFraction) < 0.02 * full.diagnostics.objectFraction);
      assert.ok(iou(reduced.mask, shot.mask) > (kind === 'screw' ? 0.85 : 0.97), `${kind}: IoU with the truth ${iou(reduced.mask, shot.mask)}`);
    }
  });
});
