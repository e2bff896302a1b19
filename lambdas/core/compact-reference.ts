// The reference image as stored in an output: only as much of it as aligning new images needs. The aligner looks
// at the reference at most at its finest pyramid level (FEATURE_SIDE on the longest side) and only in and around the
// object (intensity and silhouette supports, AKAZE descriptors, the band-pass detail's blur). So the stored reference
// is the part inside the reference mask grown by a rim, cropped to that part's box, at the finest level's scale,
// as lossy WebP at REFERENCE_WEBP_QUALITY (bench/reference-compact.ts, README "Size": on screw and on generated data
// the test-time pose moves by hundredths of a pixel on average against lossless, at an eighth of the bytes; the
// training set is aligned to this same stored reference, so training and test frames share it). Expanding it back
// gives a full-size image the aligner treats like the original; outside the rim it holds the rim's mean grey (not 0: a hard black edge would leak into the coarse levels' band-pass detail).
import { FEATURE_SIDE } from './align/reference.ts';
import { dilateDisc } from './align/morphology.ts';
import { resizeImage } from './frame-scale.ts';
import sharp from 'sharp';
import { decodeImage } from './image-io.ts';
import { maskBoundingBox } from './union-mask.ts';
import type { Image, Mask } from './types.ts';

/**
 * Rim kept around the reference object, in full-size pixels: three sigmas of the widest blur that reaches the
 * object's support at the finest level (SHADING_SIGMA 3 level px) plus the soft mask's reach, at 2 px per level px.
 */
export const REFERENCE_RIM_PX = 32;

/** WebP quality of the stored reference (bench/reference-compact.ts measured 90, 75, 50 and lossless). */
export const REFERENCE_WEBP_QUALITY = 75;

/** Where the stored reference sits in the full frame, and its scale (stored px per full px). */
export interface CompactReferenceLayout {
  x: number;
  y: number;
  width: number;
  height: number;
  factor: number;
  /** grey level (per channel) outside the kept part */
  fill: number[];
}

export interface CompactReferenceOptions {
  /** WebP quality; 'lossless'; absent = REFERENCE_WEBP_QUALITY */
  quality?: number | 'lossless';
  /** stored px per full px; absent = the finest pyramid level's scale */
  factor?: number;
}

export async function encodeCompactReference(image: Image, mask: Mask, opts: CompactReferenceOptions = {}): Promise<{ file: Buffer; layout: CompactReferenceLayout }> {
  const keep = { width: mask.width, height: mask.height, data: dilateDisc(mask.data, mask.width, mask.height, REFERENCE_RIM_PX) };
  const box = maskBoundingBox(keep, 1) ?? { x: 0, y: 0, width: image.width, height: image.height };
  const fill = rimMean(image, keep, mask);
  const factor = opts.factor ?? Math.min(1, FEATURE_SIDE / Math.max(image.width, image.height));
  const { channels } = image;
  const crop = new Uint8Array(box.width * box.height * channels);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const p = (box.y + y) * image.width + box.x + x;
      for (let c = 0; c < channels; c++) crop[(y * box.width + x) * channels + c] = keep.data[p] ? image.data[p * channels + c] : fill[c];
    }
  }
  let stored: Image = { width: box.width, height: box.height, channels, data: crop };
  if (factor < 1) {
    const w = Math.max(1, Math.round(box.width * factor));
    const h = Math.max(1, Math.round(box.height * factor));
    stored = await resizeImage(stored, w, h, 'lanczos3');
  }
  return { file: await encodeWebp(stored, opts.quality), layout: { x: box.x, y: box.y, width: box.width, height: box.height, factor, fill } };
}

/** The stored reference back at full size (width x height), what the aligner is prepared with. */
export async function expandCompactReference(png: Buffer, layout: CompactReferenceLayout, width: number, height: number, mode: 'grey' | 'rgb', name: string): Promise<Image> {
  const { image: stored } = await decodeImage(png, name, { mode });
  const { channels } = stored;
  let region = stored;
  if (stored.width !== layout.width || stored.height !== layout.height) {
    region = await resizeImage(stored, layout.width, layout.height, 'lanczos3');
  }
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = layout.fill[c] ?? layout.fill[0];
  for (let y = 0; y < layout.height; y++) {
    const row = ((layout.y + y) * width + layout.x) * channels;
    out.set(region.data.subarray(y * layout.width * channels, (y + 1) * layout.width * channels), row);
  }
  return { width, height, channels, data: out };
}

/** Mean of each channel over the rim (kept pixels outside the object). */
function rimMean(image: Image, keep: Mask, object: Mask): number[] {
  const sums = new Array<number>(image.channels).fill(0);
  let n = 0;
  for (let p = 0; p < keep.data.length; p++) {
    if (!keep.data[p] || object.data[p]) continue;
    for (let c = 0; c < image.channels; c++) sums[c] += image.data[p * image.channels + c];
    n++;
  }
  return sums.map((s) => (n ? Math.round(s / n) : 0));
}

async function encodeWebp(image: Image, quality?: number | 'lossless'): Promise<Buffer> {
  const webp = quality === 'lossless' ? { lossless: true, effort: 6 } : { quality: quality ?? REFERENCE_WEBP_QUALITY, effort: 6 };
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).webp(webp).toBuffer();
}

/**
 * The reference rebuilt from its own frame in the reel (`frame`: decoded, at the reference's size, masked by the
 * union mask `union`, null = unmasked): the object and its rim as far as the frame holds them, the rest at the rim's
 * mean grey, as the compact reference does.
 */
export function referenceFromFrame(frame: Image, mask: Mask, union: Mask | null): Image {
  const grown = dilateDisc(mask.data, mask.width, mask.height, REFERENCE_RIM_PX);
  const keep: Mask = { width: mask.width, height: mask.height, data: grown.map((v, p) => (v && (!union || union.data[p]) ? 255 : 0)) };
  const fill = rimMean(frame, keep, mask);
  const { channels } = frame;
  const out = new Uint8Array(frame.data.length);
  for (let p = 0; p < keep.data.length; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = keep.data[p] ? frame.data[p * channels + c] : fill[c];
  return { width: frame.width, height: frame.height, channels, data: out };
}
