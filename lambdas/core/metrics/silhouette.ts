// PROTOCOL.md "Alignment quality (screw)", exactly:
// - silhouette of a frame: Otsu threshold computed once from the reference frame's pixels above 8 (the
//   non-blanked part), applied to every frame as pixels above 8 and below the threshold, closing with a 31x31
//   ellipse, largest connected component, holes filled;
// - silhouette IoU of each frame with the reference frame's silhouette (mean, minimum, 5th percentile);
// - containment: share of a frame's silhouette pixels outside the union mask (must stay below 0.5%);
// - union fraction: pixels inside the union mask / all pixels of the original frame.
// Frames are aligned frames in the reference geometry. Containment is only meaningful on frames that were NOT
// blanked by the union (a blanked frame has nothing outside it), so callers measure it on aligned, unmasked
// frames; IoU can be measured on either (bench/align-quality.ts uses the blanked frames of the reel).
import { closeDisc } from '../align/morphology.ts';
import { luminance } from '../align/raster.ts';
import { fillHoles, largestComponent, otsuFromHistogram } from '../segment/threshold.ts';
import type { Image, Mask } from '../types.ts';

/** Pixels at or below this are "blanked" background and take no part. */
export const BLANK_LEVEL = 8;
/** 31x31 elliptical closing. */
export const SILHOUETTE_CLOSING_RADIUS = 15;

/** The Otsu threshold of the reference frame's pixels above BLANK_LEVEL (luminance for colour). */
export function silhouetteThreshold(referenceFrame: Image): number {
  const grey = luminance(referenceFrame);
  const hist = new Float64Array(256);
  for (let i = 0; i < grey.length; i++) if (grey[i] > BLANK_LEVEL) hist[grey[i]]++;
  return otsuFromHistogram(hist).threshold;
}

/** The frame's silhouette under the reference's threshold: (8, threshold) band, closed, largest part, filled. */
export async function frameSilhouette(frame: Image, threshold: number): Promise<Mask> {
  const { width, height } = frame;
  const grey = luminance(frame);
  const band = new Uint8Array(width * height);
  for (let i = 0; i < band.length; i++) band[i] = grey[i] > BLANK_LEVEL && grey[i] < threshold ? 255 : 0;
  const closed = closeDisc(band, width, height, SILHOUETTE_CLOSING_RADIUS);
  const { largest } = await largestComponent(closed, width, height);
  return { width, height, data: fillHoles(largest, width, height) };
}

export function silhouetteIou(a: Mask, b: Mask): number {
  sameSize(a, b);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] !== 0;
    const y = b.data[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** Share of the silhouette's pixels outside the union mask, 0..1 (0 for an empty silhouette). */
export function containmentOutside(silhouette: Mask, union: Mask): number {
  sameSize(silhouette, union);
  let inside = 0;
  let outside = 0;
  for (let i = 0; i < silhouette.data.length; i++) {
    if (silhouette.data[i] === 0) continue;
    if (union.data[i] !== 0) inside++;
    else outside++;
  }
  return inside + outside === 0 ? 0 : outside / (inside + outside);
}

/** Union mask pixels / all pixels of the original frame (pass the original size when the union was cropped). */
export function unionFraction(union: Mask, originalWidth = union.width, originalHeight = union.height): number {
  let set = 0;
  for (let i = 0; i < union.data.length; i++) if (union.data[i] !== 0) set++;
  return set / (originalWidth * originalHeight);
}

/** Mean, minimum and 5th percentile (nearest rank) of per-frame values. */
export function summarise(values: readonly number[]): { mean: number; min: number; p5: number; max: number } {
  if (values.length === 0) return { mean: NaN, min: NaN, p5: NaN, max: NaN };
  const sorted = [...values].sort((x, y) => x - y);
  const p5 = sorted[Math.max(0, Math.ceil(0.05 * sorted.length) - 1)];
  return { mean: sorted.reduce((s, v) => s + v, 0) / sorted.length, min: sorted[0], p5, max: sorted[sorted.length - 1] };
}

function sameSize(a: Mask, b: Mask): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`masks differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
}
