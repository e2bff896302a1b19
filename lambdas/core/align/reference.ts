// The reference side of alignment, prepared once per dataset: its mask pose, its pyramid with the pixel
// supports each refinement uses, and its AKAZE keypoints and descriptors (at the finest level's scale). Everything
// is plain typed arrays (features.ts copies the descriptors out of WASM), so a model that is never disposed leaks
// no WASM memory; disposeReference drops the rasters and the features.
import type { Image, Mask } from '../types.ts';
import { maskPose, type MaskPose } from './coarse-pose.ts';
import { detectFeatures, type FeatureSet } from './features.ts';
import { buildPyramid, LEVEL_SIDES, type PyramidLevel } from './pyramid.ts';
import { gaussianBlurPlane } from './raster.ts';

/** What the reference side of a level offers the refinements. */
export interface ReferenceLevel extends PyramidLevel {
  /** pixels inside the object (mask > 0.5): NCC support */
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
  pose: MaskPose;
  levels: ReferenceLevel[];
  /** AKAZE keypoints and descriptors of the reference object, detected at FEATURE_SIDE */
  features: FeatureSet;
  disposed: boolean;
}

/** Longest side of the image at which AKAZE runs, for the reference and every image: the finest level's. */
export const FEATURE_SIDE = LEVEL_SIDES[LEVEL_SIDES.length - 1];

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
      objectPixels: pixelsWhere(level.mask.data, (v) => v > 0.5),
      intensityPixels: pixelsWhere(level.softMask.data, (v) => v > 0.02),
      silhouettePixels: pixelsWhere(band.data, (v) => v > 0.01 && v < 0.99),
    });
  }
  const features = await detectFeatures(image, mask, { side: FEATURE_SIDE });
  return { width: image.width, height: image.height, internals: { mask, pose, levels, features, disposed: false } };
}

/** Releases the cached rasters; the model cannot be used afterwards. */
export function disposeReference(ref: ReferenceModel): void {
  ref.internals.levels = [];
  ref.internals.features = { count: 0, points: [], sizes: new Float32Array(0), descriptors: new Uint8Array(0), descriptorBytes: 0, scale: ref.internals.features.scale };
  ref.internals.disposed = true;
}

function pixelsWhere(data: Float32Array, keep: (v: number) => boolean): Int32Array {
  let count = 0;
  for (let i = 0; i < data.length; i++) if (keep(data[i])) count++;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < data.length; i++) if (keep(data[i])) out[k++] = i;
  return out;
}
