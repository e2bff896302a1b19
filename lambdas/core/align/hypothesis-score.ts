// Verification of an alignment hypothesis: how well the warped silhouette covers the reference's (IoU) and how
// well the intensities agree inside it (NCC). The silhouette is the more reliable signal on real screws (the
// thread looks different once the screw has rolled about its axis), so it carries most of the score.
import type { Affine, Mask } from '../types.ts';
import { invertAffine } from './affine.ts';
import { NccSums } from './ncc.ts';
import { sampleBilinear, type Box, type FloatPlane } from './raster.ts';

export interface Verification {
  iou: number;
  ncc: number;
  /** 0..1, higher is better */
  score: number;
}

/** Weight of the silhouette IoU in the score; the rest is NCC (clamped at 0). */
export const SCORE_IOU_WEIGHT = 0.75;

export function combinedScore(iou: number, ncc: number): number {
  return SCORE_IOU_WEIGHT * iou + (1 - SCORE_IOU_WEIGHT) * Math.max(0, ncc);
}

/**
 * IoU of the reference mask with the image mask warped into the reference frame (both thresholded at 0.5).
 * Only the union of both objects' boxes is visited; outside it neither mask can be set.
 */
export function warpedMaskIou(refMask: FloatPlane, refBox: Box | null, imgMask: FloatPlane, imgBox: Box | null, imageToRef: Affine): number {
  const w = invertAffine(imageToRef);
  const { width, height } = refMask;
  const region = unionBox(refBox, imgBox && mapBox(imgBox, imageToRef), width, height);
  if (!region) return 0;
  const rd = refMask.data;
  const { width: iw, height: ih, data: id } = imgMask;
  let inter = 0;
  let union = 0;
  for (let y = region.y0; y <= region.y1; y++) {
    // Walk each row incrementally: W(x + 1, y) = W(x, y) + (w0, w3).
    let u = w[0] * region.x0 + w[1] * y + w[2];
    let v = w[3] * region.x0 + w[4] * y + w[5];
    const row = y * width;
    for (let x = region.x0; x <= region.x1; x++, u += w[0], v += w[3]) {
      const inRef = rd[row + x] > 0.5;
      let inImg = false;
      if (u >= 0 && v >= 0 && u <= iw - 1 && v <= ih - 1) {
        // sampleBilinear inlined (the same arithmetic; u, v are inside, so no clamping)
        const x0 = Math.floor(u);
        const y0 = Math.floor(v);
        const x1 = x0 < iw - 1 ? x0 + 1 : x0;
        const y1 = y0 < ih - 1 ? y0 + 1 : y0;
        const fx = u - x0;
        const fy = v - y0;
        const r0 = y0 * iw;
        const r1 = y1 * iw;
        const top = id[r0 + x0] + (id[r0 + x1] - id[r0 + x0]) * fx;
        const bottom = id[r1 + x0] + (id[r1 + x1] - id[r1 + x0]) * fx;
        inImg = top + (bottom - top) * fy > 0.5;
      }
      if (inRef && inImg) inter++;
      if (inRef || inImg) union++;
    }
  }
  return union === 0 ? 0 : inter / union;
}

/**
 * IoU of two byte masks (nonzero = inside), the image's resampled into the reference frame at the nearest pixel
 * exactly as warpMask does it (OpenCV rounds to the nearest source pixel, zero outside the source), without
 * producing the warped frame: only the union of both objects' boxes is visited.
 */
export function warpedByteMaskIou(ref: Mask, refBox: Box | null, img: Mask, imgBox: Box | null, imageToRef: Affine): number {
  const w = invertAffine(imageToRef);
  const region = unionBox(refBox, imgBox && mapBox(imgBox, imageToRef), ref.width, ref.height);
  if (!region) return 0;
  const { width: iw, height: ih, data: id } = img;
  const rd = ref.data;
  let inter = 0;
  let union = 0;
  for (let y = region.y0; y <= region.y1; y++) {
    let u = w[0] * region.x0 + w[1] * y + w[2] + 0.5;
    let v = w[3] * region.x0 + w[4] * y + w[5] + 0.5;
    const row = y * ref.width;
    for (let x = region.x0; x <= region.x1; x++, u += w[0], v += w[3]) {
      const inRef = rd[row + x] !== 0;
      const inImg = u >= 0 && v >= 0 && u < iw && v < ih && id[Math.floor(v) * iw + Math.floor(u)] !== 0;
      if (inRef && inImg) inter++;
      if (inRef || inImg) union++;
    }
  }
  return union === 0 ? 0 : inter / union;
}

/** The axis-aligned box around a box's corners after an affine map, one pixel wider on each side. */
function mapBox(box: Box, m: Affine): Box {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [
    [box.x0, box.y0],
    [box.x1, box.y0],
    [box.x0, box.y1],
    [box.x1, box.y1],
  ]) {
    xs.push(m[0] * x + m[1] * y + m[2]);
    ys.push(m[3] * x + m[4] * y + m[5]);
  }
  return { x0: Math.floor(Math.min(...xs)) - 1, y0: Math.floor(Math.min(...ys)) - 1, x1: Math.ceil(Math.max(...xs)) + 1, y1: Math.ceil(Math.max(...ys)) + 1 };
}

function unionBox(a: Box | null, b: Box | null, width: number, height: number): Box | null {
  const boxes = [a, b].filter((x): x is Box => x !== null);
  if (boxes.length === 0) return null;
  const x0 = Math.max(0, Math.min(...boxes.map((x) => x.x0)));
  const y0 = Math.max(0, Math.min(...boxes.map((x) => x.y0)));
  const x1 = Math.min(width - 1, Math.max(...boxes.map((x) => x.x1)));
  const y1 = Math.min(height - 1, Math.max(...boxes.map((x) => x.y1)));
  return x1 < x0 || y1 < y0 ? null : { x0, y0, x1, y1 };
}

/** Normalised cross-correlation of the warped image with the reference over the given reference pixels. */
export function warpedNcc(refGrey: FloatPlane, imgGrey: FloatPlane, imageToRef: Affine, refPixels: Int32Array): number {
  const w = invertAffine(imageToRef);
  const width = refGrey.width;
  const sums = new NccSums();
  for (let k = 0; k < refPixels.length; k++) {
    const idx = refPixels[k];
    const x = idx % width;
    const y = (idx - x) / width;
    const u = w[0] * x + w[1] * y + w[2];
    const v = w[3] * x + w[4] * y + w[5];
    if (u < 0 || v < 0 || u > imgGrey.width - 1 || v > imgGrey.height - 1) continue;
    sums.add(refGrey.data[idx], sampleBilinear(imgGrey.data, imgGrey.width, imgGrey.height, u, v));
  }
  return sums.value(1e-12, 16);
}
