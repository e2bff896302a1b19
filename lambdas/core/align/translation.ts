// Translation-only alignment from the object masks: the image's object centroid moved onto the reference's. For a
// rotation-symmetric object (a bottle seen from above) the silhouette fixes the position but not the rotation,
// so a rotation estimate would be noise; the centroid of a filled silhouette is stable to a fraction of a pixel.
import type { Affine, Mask } from '../types.ts';
import { maskPose } from './coarse-pose.ts';
import { NccSums } from './ncc.ts';
import { warpMask } from './warp.ts';

export interface TranslationResult {
  matrix: Affine;
  tx: number;
  ty: number;
  /** IoU of the shifted object mask with the reference's, in the reference frame */
  silhouetteIou: number;
}

/** IoU of two same-size masks (nonzero = set). */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/** IoU of `mask` placed unmoved (top-left anchored, padded or cropped) in the reference frame with the reference mask. */
export async function identityIou(referenceMask: Mask, mask: Mask, matrix: Affine = [1, 0, 0, 0, 1, 0]): Promise<number> {
  const placed = await warpMask(mask, matrix, referenceMask.width, referenceMask.height);
  return maskIou(placed.data, referenceMask.data);
}

export async function estimateTranslation(referenceMask: Mask, mask: Mask): Promise<TranslationResult | null> {
  const ref = maskPose(referenceMask);
  const img = maskPose(mask);
  if (img.area < 16 || ref.area < 16) return null;
  const tx = ref.centroid[0] - img.centroid[0];
  const ty = ref.centroid[1] - img.centroid[1];
  const matrix: Affine = [1, 0, tx, 0, 1, ty];
  return { matrix, tx, ty, silhouetteIou: await identityIou(referenceMask, mask, matrix) };
}

/**
 * Normalised cross-correlation of the image warped into the reference frame with the reference, over the
 * reference's object pixels (luminance). How well the intensities agree under a pose: the arbiter between poses
 * when the silhouettes cannot tell them apart (a registered dataset with noisy masks, a round object).
 */
export async function objectNcc(referenceGrey: Uint8Array, referenceMask: Mask, imageGrey: Uint8Array, imageWidth: number, imageHeight: number, matrix: Affine): Promise<number> {
  const { width, height } = referenceMask;
  const warped = await warpMask({ width: imageWidth, height: imageHeight, data: imageGrey }, matrix, width, height);
  const inside = await warpMask({ width: imageWidth, height: imageHeight, data: new Uint8Array(imageGrey.length).fill(255) }, matrix, width, height);
  const sums = new NccSums();
  for (let i = 0; i < referenceMask.data.length; i++) {
    if (!referenceMask.data[i] || !inside.data[i]) continue;
    sums.add(referenceGrey[i], warped.data[i]);
  }
  return sums.value(1e-9, 16);
}
