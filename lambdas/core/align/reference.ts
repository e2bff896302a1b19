// The reference side of alignment, prepared once per dataset: its mask pose, its pyramid with the pixel
// supports each refinement uses, and its AKAZE keypoints and descriptors (at the finest level's scale). Everything
// is plain typed arrays (features.ts copies the descriptors out of WASM), so a model that is never disposed leaks
// no WASM memory; disposeReference drops the rasters and the features.
import type { Image, Mask } from '../types.ts';
import { maskPose, type MaskPose } from './coarse-pose.ts';
import { detectFeatures, type FeatureSet } from './features.ts';
import { buildPyramid, LEVEL_SIDES, type PyramidLevel } from './pyramid.ts';
import { boxAbove, gaussianBlurPlane, type Box } from './raster.ts';

/** What the reference side of a level offers the refinements. */
export interface ReferenceLevel extends PyramidLevel {
  /** pixels inside the object (mask > 0.5): NCC support (each support at most MAX_SUPPORT_PIXELS) */
  objectPixels: Int32Array;
  /** the object and a thin rim around it: support of the intensity refinement */
  intensityPixels: Int32Array;
  /** a band around the object's outline: support of the silhouette refinement (elsewhere both silhouettes
   *  are flat, 0 or 1, and contribute nothing) */
  silhouettePixels: Int32Array;
}

export interface ReferenceModel {
  width: number;
  height: number;
  /** opaque to callers: the aligner's cache */
  readonly internals: ReferenceInternals;
}

export interface ReferenceInternals {
  mask: Mask;
  /** box of the mask's pixels (the final IoU check visits only the objects' boxes) */
  maskBox: Box | null;
  pose: MaskPose;
  levels: ReferenceLevel[];
  /** AKAZE keypoints and descriptors of the reference object, detected at FEATURE_SIDE */
  features: FeatureSet;
  disposed: boolean;
}

/** Longest side of the image at which AKAZE runs, for the reference and every image: the finest level's. */
export const FEATURE_SIDE = LEVEL_SIDES[LEVEL_SIDES.length - 1];

/**
 * Most pixels any support keeps (an even subset of the list, in raster order). Four to six parameters are
 * pinned down by a few thousand pixels spread over the object: more costs time in every refinement and
 * verification and does not move the pose (a 384 px bottle fills ~95,000 pixels, a 1024 px screw's finest
 * level ~28,000).
 */
export const MAX_SUPPORT_PIXELS = 6000;

/** Half-width of the silhouette band is ~2.3 sigma (level pixels): wider than the error the search leaves. */
const SILHOUETTE_BAND_SIGMA = 4;

export async function prepareReference(image: Image, mask: Mask): Promise<ReferenceModel> {
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new RangeError(`reference image is ${image.width}x${image.height} but its mask is ${mask.width}x${mask.height}`);
  }
  const pose = maskPose(mask);
  if (pose.area < 16) throw new RangeError('reference mask is empty: there is no object to align to');
  const pyramid = await buildPyramid(image, mask, false);
  const levels: ReferenceLevel[] = [];
  for (const level of pyramid) {
    const band = await gaussianBlurPlane(level.mask, SILHOUETTE_BAND_SIGMA);
    levels.push({
      ...level,
      objectPixels: evenSubset(pixelsWhere(level.mask.data, (v) => v > 0.5), MAX_SUPPORT_PIXELS),
      intensityPixels: evenSubset(pixelsWhere(level.softMask.data, (v) => v > 0.02), MAX_SUPPORT_PIXELS),
      silhouettePixels: evenSubset(pixelsWhere(band.data, (v) => v > 0.01 && v < 0.99), MAX_SUPPORT_PIXELS),
    });
  }
  const features = await detectFeatures(image, mask, { side: FEATURE_SIDE });
  return { width: image.width, height: image.height, internals: { mask, maskBox: boxAbove(mask, 0), pose, levels, features, disposed: false } };
}

/** Releases the cached rasters; the model cannot be used afterwards. */
export function disposeReference(ref: ReferenceModel): void {
  ref.internals.levels = [];
  ref.internals.features = { count: 0, points: [], sizes: new Float32Array(0), descriptors: new Uint8Array(0), descriptorBytes: 0, scale: ref.internals.features.scale };
  ref.internals.disposed = true;
}

/** Every k-th entry, k the smallest step that leaves at most `max`. */
export function evenSubset(pixels: Int32Array, max: number): Int32Array {
  if (pixels.length <= max) return pixels;
  const step = Math.ceil(pixels.length / Math.max(1, max));
  const out = new Int32Array(Math.ceil(pixels.length / step));
  for (let i = 0, k = 0; k < out.length; i += step, k++) out[k] = pixels[i];
  return out;
}

function pixelsWhere(data: Float32Array, keep: (v: number) => boolean): Int32Array {
  let count = 0;
  for (let i = 0; i < data.length; i++) if (keep(data[i])) count++;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < data.length; i++) if (keep(data[i])) out[k++] = i;
  return out;
}
