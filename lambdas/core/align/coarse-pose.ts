// Coarse pose of an object from its mask's moments: centroid, principal axis, area. The axis is ambiguous by 180
// degrees (and meaningless for a round object), so callers turn it into hypotheses, never into an answer.
import type { Mask } from '../types.ts';
import type { Point } from './affine.ts';

export interface MaskPose {
  /** object pixels */
  area: number;
  centroid: Point;
  /** direction of the principal (long) axis in degrees, in [-90, 90) */
  axisDeg: number;
  /** sqrt of the second-moment eigenvalue ratio: 1 for a disc, ~length/width for a bar */
  elongation: number;
}

/** Moments of any 0..1 (or 0..255) weight raster; pixels are weighted by their value. */
export function weightedPose(width: number, height: number, weight: ArrayLike<number>): MaskPose {
  let m00 = 0;
  let m10 = 0;
  let m01 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = weight[row + x];
      if (v === 0) continue;
      m00 += v;
      m10 += v * x;
      m01 += v * y;
    }
  }
  if (m00 <= 0) return { area: 0, centroid: [width / 2, height / 2], axisDeg: 0, elongation: 1 };
  const cx = m10 / m00;
  const cy = m01 / m00;
  let mu20 = 0;
  let mu02 = 0;
  let mu11 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const dy = y - cy;
    for (let x = 0; x < width; x++) {
      const v = weight[row + x];
      if (v === 0) continue;
      const dx = x - cx;
      mu20 += v * dx * dx;
      mu02 += v * dy * dy;
      mu11 += v * dx * dy;
    }
  }
  return poseFromMoments(m00, cx, cy, mu20, mu02, mu11);
}

/** Pose of a mask's set pixels (any nonzero byte counts once): one pass over the frame, central moments from
 *  the raw ones (sums of integers, exact in doubles at any frame size this project reads). */
export function maskPose(mask: Mask): MaskPose {
  const { width, height, data } = mask;
  let m00 = 0;
  let m10 = 0;
  let m01 = 0;
  let m20 = 0;
  let m02 = 0;
  let m11 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let n = 0;
    let sx = 0;
    let sxx = 0;
    for (let x = 0; x < width; x++) {
      if (data[row + x] === 0) continue;
      n++;
      sx += x;
      sxx += x * x;
    }
    if (n === 0) continue;
    m00 += n;
    m10 += sx;
    m01 += n * y;
    m20 += sxx;
    m02 += n * y * y;
    m11 += sx * y;
  }
  if (m00 <= 0) return { area: 0, centroid: [width / 2, height / 2], axisDeg: 0, elongation: 1 };
  const cx = m10 / m00;
  const cy = m01 / m00;
  return poseFromMoments(m00, cx, cy, m20 - m10 * cx, m02 - m01 * cy, m11 - m10 * cy);
}

function poseFromMoments(m00: number, cx: number, cy: number, mu20: number, mu02: number, mu11: number): MaskPose {
  const axisRad = 0.5 * Math.atan2(2 * mu11, mu20 - mu02);
  const common = Math.sqrt(((mu20 - mu02) / 2) ** 2 + mu11 ** 2);
  const major = (mu20 + mu02) / 2 + common;
  const minor = Math.max((mu20 + mu02) / 2 - common, 1e-9);
  let axisDeg = (axisRad * 180) / Math.PI;
  if (axisDeg >= 90) axisDeg -= 180;
  return { area: m00, centroid: [cx, cy], axisDeg, elongation: Math.sqrt(major / minor) };
}
