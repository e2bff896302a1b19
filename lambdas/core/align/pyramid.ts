// Reduced-resolution copies of an image and its mask, coarse to fine: the search runs on the smallest level, the
// refinements on the larger ones; full resolution is only used for the final IoU check.
import type { Image, Mask } from '../types.ts';
import { loadCv, type CV } from '../cv.ts';
import { boxAbove, gradients, luminance, type Box, type FloatPlane } from './raster.ts';

/**
 * Longest side of each level, coarse to fine, at most: a frame of 1024 px and more is worked on at these sides.
 * A smaller frame gets its coarse and middle levels in proportion to its own size (LEVEL_FRACTIONS: the search
 * and the candidates' refinements then cost in proportion to its pixels), down to MIN_LEVEL_SIDE (the coarse
 * search needs an outline to rank rotations by); its finest level stays at full size, up to the cap. Evidence
 * (bench/align-speed.ts, first 48 bottles, 384 px): a finest level at 1/2 or 2/3 of the frame cost the bottles
 * 0.001 of PROTOCOL IoU mean and 0.001-0.002 of the 5th percentile against the parent; at full size none.
 */
export const LEVEL_SIDES = [128, 256, 512] as const;
const LEVEL_FRACTIONS = [1 / 6, 1 / 3, 1] as const;
const MIN_LEVEL_SIDE = 64;

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
  for (let i = 0; i < LEVEL_SIDES.length; i++) {
    const side = Math.min(LEVEL_SIDES[i], Math.max(MIN_LEVEL_SIDE, Math.round(longest * LEVEL_FRACTIONS[i])));
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
  const cv = await loadCv();
  const sizes = levelSizes(image.width, image.height);
  // The full-size planes go into WASM once; every level is resized from them there, and only level-sized
  // planes come back out.
  const owned: CV[] = [];
  const own = <T extends CV>(x: T): T => {
    owned.push(x);
    return x;
  };
  try {
    const greyBytes = own(new cv.Mat(image.height, image.width, cv.CV_8UC1));
    greyBytes.data.set(luminance(image));
    const fullGrey = own(new cv.Mat());
    greyBytes.convertTo(fullGrey, cv.CV_32F, 1 / 255, 0);
    const maskBytes = own(new cv.Mat(image.height, image.width, cv.CV_8UC1));
    maskBytes.data.set(mask.data);
    const maskUnit = own(new cv.Mat());
    cv.threshold(maskBytes, maskUnit, 0, 1, cv.THRESH_BINARY);
    const fullMask = own(new cv.Mat());
    maskUnit.convertTo(fullMask, cv.CV_32F, 1, 0);
    // Each level is area-averaged from the next finer one (finest from the full frame): the full-size planes are
    // read once, not once per level (exact for the halving sides of a 1024 px frame).
    const resizedGreys: CV[] = new Array(sizes.length);
    const resizedMasks: CV[] = new Array(sizes.length);
    for (let i = sizes.length - 1; i >= 0; i--) {
      const { width, height } = sizes[i];
      const size = new cv.Size(width, height);
      const srcGrey = i === sizes.length - 1 ? fullGrey : resizedGreys[i + 1];
      const srcMask = i === sizes.length - 1 ? fullMask : resizedMasks[i + 1];
      const interpolation = width < srcGrey.cols ? cv.INTER_AREA : cv.INTER_LINEAR;
      resizedGreys[i] = own(new cv.Mat());
      cv.resize(srcGrey, resizedGreys[i], size, 0, 0, interpolation);
      resizedMasks[i] = own(new cv.Mat());
      cv.resize(srcMask, resizedMasks[i], size, 0, 0, interpolation);
    }
    const levels: PyramidLevel[] = [];
    for (let i = 0; i < sizes.length; i++) {
      const { width, height } = sizes[i];
      const resizedGrey = resizedGreys[i];
      const levelMaskMat = resizedMasks[i];
      const levelGreyMat = own(new cv.Mat());
      blur(cv, resizedGrey, levelGreyMat, GREY_BLUR_SIGMA);
      const softMaskMat = own(new cv.Mat());
      blur(cv, levelMaskMat, softMaskMat, MASK_BLUR_SIGMA[Math.min(i, MASK_BLUR_SIGMA.length - 1)]);
      const shadingMat = own(new cv.Mat());
      blur(cv, levelGreyMat, shadingMat, SHADING_SIGMA);
      const detailMat = own(new cv.Mat());
      cv.subtract(levelGreyMat, shadingMat, detailMat);
      const levelMask = planeFromMat(levelMaskMat);
      const level: PyramidLevel = {
        fx: width / image.width,
        fy: height / image.height,
        width,
        height,
        grey: planeFromMat(levelGreyMat),
        detail: planeFromMat(detailMat),
        mask: levelMask,
        softMask: planeFromMat(softMaskMat),
        maskBox: boxAbove(levelMask),
      };
      if (withGradients) {
        const g = gradients(level.detail);
        const s = gradients(level.softMask);
        levels.push({ ...level, detailGx: g.gx, detailGy: g.gy, softMaskGx: s.gx, softMaskGy: s.gy } as PyramidLevelWithGradients);
      } else {
        levels.push(level);
      }
    }
    return levels;
  } finally {
    for (const x of owned) x.delete();
  }
}

/** The Gaussian blur raster.ts's gaussianBlurPlane applies (same kernel size and border), Mat to Mat. */
function blur(cv: CV, src: CV, dst: CV, sigma: number): void {
  const k = 2 * Math.ceil(3 * sigma) + 1;
  cv.GaussianBlur(src, dst, new cv.Size(k, k), sigma, sigma, cv.BORDER_REPLICATE);
}

function planeFromMat(mat: CV): FloatPlane {
  return { width: mat.cols, height: mat.rows, data: new Float32Array(mat.data32F) };
}
