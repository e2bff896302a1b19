// Reduced-resolution copies of an image and its mask, coarse to fine: the search runs on the smallest level, the
// refinements on the larger ones; full resolution is only used for the final IoU check.
import type { Image, Mask } from '../types.ts';
import { boxAbove, gaussianBlurPlane, gradients, luminance, planeFromBytes, planeFromMask, resizePlane, type Box, type FloatPlane } from './raster.ts';

/** Longest side of each level, coarse to fine (clipped to the image's own size). */
export const LEVEL_SIDES = [128, 256, 512] as const;

export interface PyramidLevel {
  /** level pixels per full-size pixel, horizontally and vertically */
  fx: number;
  fy: number;
  width: number;
  height: number;
  /** lightly blurred intensity, 0..1 */
  grey: FloatPlane;
  /** band-pass intensity (grey minus a wide blur of it): edges and thread without the broad shading, which
   *  follows the lamp rather than the object (a screw turned by 150 degrees shows its lit side mirrored) */
  detail: FloatPlane;
  /** area-averaged mask, 0..1 (its 0.5 contour is the object's outline) */
  mask: FloatPlane;
  /** the mask blurred further: a smooth silhouette whose gradient pulls outlines together */
  softMask: FloatPlane;
  /** box of the mask's pixels above 0.5 */
  maskBox: Box | null;
}

export interface PyramidLevelWithGradients extends PyramidLevel {
  detailGx: Float32Array;
  detailGy: Float32Array;
  softMaskGx: Float32Array;
  softMaskGy: Float32Array;
}

const GREY_BLUR_SIGMA = 0.8;
/** The wide blur subtracted for the detail plane, in level pixels. */
const SHADING_SIGMA = 3;
/** Silhouette blur in level pixels: wide at the coarse level (capture range), narrow at the fine one (precision). */
const MASK_BLUR_SIGMA = [2.5, 2, 1.5];

export function levelSizes(width: number, height: number): { width: number; height: number }[] {
  const longest = Math.max(width, height);
  const sizes: { width: number; height: number }[] = [];
  for (const side of LEVEL_SIDES) {
    const f = Math.min(1, side / longest);
    const size = { width: Math.max(8, Math.round(width * f)), height: Math.max(8, Math.round(height * f)) };
    const last = sizes[sizes.length - 1];
    if (!last || last.width !== size.width) sizes.push(size);
  }
  return sizes;
}

export async function buildPyramid(image: Image, mask: Mask, withGradients: true): Promise<PyramidLevelWithGradients[]>;
export async function buildPyramid(image: Image, mask: Mask, withGradients: false): Promise<PyramidLevel[]>;
export async function buildPyramid(image: Image, mask: Mask, withGradients: boolean): Promise<PyramidLevel[]> {
  const grey = planeFromBytes(image.width, image.height, luminance(image), 1 / 255);
  const fullMask = planeFromMask(mask);
  const levels: PyramidLevel[] = [];
  const sizes = levelSizes(image.width, image.height);
  for (let i = 0; i < sizes.length; i++) {
    const { width, height } = sizes[i];
    const levelGrey = await gaussianBlurPlane(await resizePlane(grey, width, height), GREY_BLUR_SIGMA);
    const levelMask = await resizePlane(fullMask, width, height);
    const softMask = await gaussianBlurPlane(levelMask, MASK_BLUR_SIGMA[Math.min(i, MASK_BLUR_SIGMA.length - 1)]);
    const shading = await gaussianBlurPlane(levelGrey, SHADING_SIGMA);
    const detail = new Float32Array(levelGrey.data.length);
    for (let k = 0; k < detail.length; k++) detail[k] = levelGrey.data[k] - shading.data[k];
    const level: PyramidLevel = {
      fx: width / image.width,
      fy: height / image.height,
      width,
      height,
      grey: levelGrey,
      detail: { width, height, data: detail },
      mask: levelMask,
      softMask,
      maskBox: boxAbove(levelMask),
    };
    if (withGradients) {
      const g = gradients(level.detail);
      const s = gradients(softMask);
      levels.push({ ...level, detailGx: g.gx, detailGy: g.gy, softMaskGx: s.gx, softMaskGy: s.gy } as PyramidLevelWithGradients);
    } else {
      levels.push(level);
    }
  }
  return levels;
}
