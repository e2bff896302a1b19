// 2x3 affine matrices in the project's convention (types.ts): [a, b, tx, c, d, ty] maps (x, y) to
// (a*x + b*y + tx, c*x + d*y + ty). Pure arithmetic, no OpenCV.
import type { Affine } from '../types.ts';

export type Point = [number, number];

/** The parameters of a similarity: p -> scale * R(angle) * p + (tx, ty); angle in degrees, y axis down. */
export interface SimilarityParams {
  scale: number;
  angleDeg: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Readonly<Affine> = [1, 0, 0, 0, 1, 0];

/** `outer` after `inner`: p -> outer(inner(p)). */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a1, b1, t1, c1, d1, u1] = outer;
  const [a2, b2, t2, c2, d2, u2] = inner;
  return [
    a1 * a2 + b1 * c2,
    a1 * b2 + b1 * d2,
    a1 * t2 + b1 * u2 + t1,
    c1 * a2 + d1 * c2,
    c1 * b2 + d1 * d2,
    c1 * t2 + d1 * u2 + u1,
  ];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new RangeError(`affine matrix [${m.join(', ')}] is singular and cannot be inverted`);
  }
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function applyAffineToPoints(m: Affine, points: readonly Point[]): Point[] {
  return points.map((p) => applyAffine(m, p));
}

export function similarityFromParams(p: SimilarityParams): Affine {
  const theta = (p.angleDeg * Math.PI) / 180;
  const a = p.scale * Math.cos(theta);
  const c = p.scale * Math.sin(theta);
  return [a, -c, p.tx, c, a, p.ty];
}

/**
 * The closest similarity's parameters (exact for a similarity): the rotation+scale part is projected onto
 * [[a, -c], [c, a]] by least squares, so a slightly sheared matrix still reports sensible numbers.
 */
export function paramsFromAffine(m: Affine): SimilarityParams {
  const a = (m[0] + m[4]) / 2;
  const c = (m[3] - m[1]) / 2;
  return {
    scale: Math.hypot(a, c),
    angleDeg: (Math.atan2(c, a) * 180) / Math.PI,
    tx: m[2],
    ty: m[5],
  };
}

/** A similarity that rotates/scales about `center` (in source coordinates) and then moves it to `target`. */
export function similarityAbout(center: Point, target: Point, scale: number, angleDeg: number): Affine {
  const rot = similarityFromParams({ scale, angleDeg, tx: 0, ty: 0 });
  const moved = applyAffine(rot, center);
  return [rot[0], rot[1], target[0] - moved[0], rot[3], rot[4], target[1] - moved[1]];
}

/** Horizontal and vertical resize factors of a reduced copy (reduced size / full size). */
export interface ResizeFactors {
  fx: number;
  fy: number;
}

/**
 * Maps pixel coordinates of a full-size image to those of a resized copy, with pixel centres at integer
 * coordinates as OpenCV's resize places them.
 */
export function resizeAffine({ fx, fy }: ResizeFactors): Affine {
  return [fx, 0, 0.5 * fx - 0.5, 0, fy, 0.5 * fy - 0.5];
}

/** Re-expresses a map between two resized images as a map between their full-size originals. */
export function affineAtFullSize(mSmall: Affine, source: ResizeFactors, target: ResizeFactors): Affine {
  return composeAffine(invertAffine(resizeAffine(target)), composeAffine(mSmall, resizeAffine(source)));
}

/** Re-expresses a map between two full-size images as a map between resized copies. */
export function affineAtReducedSize(mFull: Affine, source: ResizeFactors, target: ResizeFactors): Affine {
  return composeAffine(resizeAffine(target), composeAffine(mFull, invertAffine(resizeAffine(source))));
}

/** Root-mean-square distance between where two matrices send the same points. */
export function rmsDistance(m1: Affine, m2: Affine, points: readonly Point[]): number {
  let sum = 0;
  for (const p of points) {
    const [x1, y1] = applyAffine(m1, p);
    const [x2, y2] = applyAffine(m2, p);
    sum += (x1 - x2) ** 2 + (y1 - y2) ** 2;
  }
  return Math.sqrt(sum / Math.max(1, points.length));
}
