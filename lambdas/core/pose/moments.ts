// The pose of an object from its mask's moments, against the reference's: centroid, principal axis and area.
// What the poses of translation- and none-mode datasets are measured with: their alignment estimates no rotation
// or scale, yet a part turned in its fixture is misplaced all the same. The axis has no direction, so a turn is
// known modulo 180 degrees; a round part's axis is noise, which only widens its training spread (the threshold is
// read off the training poses, so good images are not flagged more often for it).
import { applyAffine, similarityFromParams } from '../align/affine.ts';
import type { MaskPose } from '../align/coarse-pose.ts';
import type { Affine } from '../types.ts';
import { wrappedDifference } from './robust.ts';

const wrap180 = wrappedDifference(180);

/** image -> reference similarity that puts the image object's centroid, axis and area onto the reference's; null without an object. */
export function momentsMatrix(reference: MaskPose, image: MaskPose): Affine | null {
  if (image.area <= 0 || reference.area <= 0) return null;
  const r = similarityFromParams({ scale: Math.sqrt(reference.area / image.area), angleDeg: wrap180(reference.axisDeg, image.axisDeg), tx: 0, ty: 0 });
  const [x, y] = applyAffine(r, image.centroid);
  return [r[0], r[1], reference.centroid[0] - x, r[3], r[4], reference.centroid[1] - y];
}
