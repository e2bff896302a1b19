// RANSAC estimate of a similarity (rotation + uniform scale + translation) from point correspondences.
// opencv.js exports no estimateAffinePartial2D, and its full-affine estimateAffine2D lets shear and anisotropic
// scale absorb mismatches (scales like 0.5 and 2.25 on the screws), so the 4-parameter model is fitted here:
// two correspondences define a hypothesis (in complex numbers q = z p + t, z = scale * e^(i angle)), the one with
// the most inliers wins (ties: the smaller residual), and the inliers are refitted by least squares, twice, with
// the inlier set re-read after each refit. Random draws come from a seeded mulberry32, so the same input gives
// the same model on every run and machine.
import { mulberry32 } from '../../ground/prng.ts';
import type { Affine } from '../types.ts';
import type { Point } from './affine.ts';

export interface SimilarityRansacOptions {
  /** a correspondence is an inlier when the model sends its source within this many pixels of its target */
  thresholdPx: number;
  /** fewer inliers than this (and never fewer than 2) -> no model */
  minInliers?: number;
  /** hypotheses drawn at most (default 500) */
  maxIterations?: number;
  /** stop early once a model with this probability of being outlier-free has been drawn (default 0.999) */
  confidence?: number;
  /** PRNG seed (default 1) */
  seed?: number;
  /** two sample sources closer than this (pixels) make a degenerate hypothesis (default: the threshold) */
  minSampleSpanPx?: number;
  /** hypotheses this rejects are not scored (e.g. scale or angle far from a prior) */
  plausible?: (m: Affine) => boolean;
}

export interface SimilarityRansacResult {
  /** source -> target */
  matrix: Affine;
  /** indices of the inliers of the final model, ascending */
  inliers: number[];
  /** RMS distance of the inliers from the final model, pixels */
  rmsPx: number;
  /** hypotheses scored */
  iterations: number;
}

/**
 * The similarity best supported by the correspondences src[i] -> dst[i], or null when there is none with
 * `minInliers` inliers (fewer than 2 usable points, all sources coincident, or too many outliers).
 */
export function estimateSimilarityRansac(src: readonly Point[], dst: readonly Point[], opts: SimilarityRansacOptions): SimilarityRansacResult | null {
  if (src.length !== dst.length) throw new RangeError(`${src.length} source points but ${dst.length} targets`);
  if (!(opts.thresholdPx > 0)) throw new RangeError(`the inlier threshold must be positive, got ${opts.thresholdPx}`);
  const n = src.length;
  const minInliers = Math.max(2, opts.minInliers ?? 2);
  if (n < minInliers) return null;
  const threshold2 = opts.thresholdPx ** 2;
  const minSpan = opts.minSampleSpanPx ?? opts.thresholdPx;
  const maxIterations = opts.maxIterations ?? 500;
  const confidence = opts.confidence ?? 0.999;
  const plausible = opts.plausible ?? (() => true);
  const random = mulberry32(opts.seed ?? 1);

  let best: { matrix: Affine; count: number; cost: number } | null = null;
  let needed = maxIterations;
  let iterations = 0;
  // With few points, every pair is tried (in a fixed order); otherwise pairs are drawn.
  const exhaustive = (n * (n - 1)) / 2 <= maxIterations;
  const pairs: [number, number][] = [];
  if (exhaustive) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  const total = exhaustive ? pairs.length : maxIterations;
  for (let k = 0; k < total && k < needed; k++) {
    let i: number;
    let j: number;
    if (exhaustive) [i, j] = pairs[k];
    else {
      i = Math.floor(random() * n);
      j = Math.floor(random() * (n - 1));
      if (j >= i) j++;
    }
    const m = fromTwoPoints(src[i], src[j], dst[i], dst[j], minSpan);
    if (!m || !plausible(m)) continue;
    iterations++;
    const { count, cost } = score(m, src, dst, threshold2);
    if (!best || count > best.count || (count === best.count && cost < best.cost)) {
      best = { matrix: m, count, cost };
      if (!exhaustive) {
        const inlierRatio = count / n;
        const allInlierPair = inlierRatio * inlierRatio;
        needed = allInlierPair >= 1 ? 0 : Math.min(maxIterations, Math.ceil(Math.log(1 - confidence) / Math.log(1 - allInlierPair)));
      }
    }
  }
  if (!best || best.count < minInliers) return null;

  // Least-squares refit on the inliers; the refit may gain or lose a few, so re-read them and refit once more.
  let matrix = best.matrix;
  let inliers = inliersOf(matrix, src, dst, threshold2);
  for (let round = 0; round < 2; round++) {
    const refit = leastSquaresSimilarity(inliers.map((i) => src[i]), inliers.map((i) => dst[i]));
    if (!refit || !plausible(refit)) break;
    const next = inliersOf(refit, src, dst, threshold2);
    if (next.length < inliers.length) break;
    matrix = refit;
    inliers = next;
  }
  if (inliers.length < minInliers) return null;
  let sum = 0;
  for (const i of inliers) sum += distance2(matrix, src[i], dst[i]);
  return { matrix, inliers, rmsPx: Math.sqrt(sum / inliers.length), iterations };
}

/**
 * The similarity minimising the summed squared distances (closed form; reflections excluded), or null when the
 * sources do not span any distance (fewer than 2 distinct points).
 */
export function leastSquaresSimilarity(src: readonly Point[], dst: readonly Point[]): Affine | null {
  const n = src.length;
  if (n < 2 || dst.length !== n) return null;
  let px = 0;
  let py = 0;
  let qx = 0;
  let qy = 0;
  for (let i = 0; i < n; i++) {
    px += src[i][0];
    py += src[i][1];
    qx += dst[i][0];
    qy += dst[i][1];
  }
  px /= n;
  py /= n;
  qx /= n;
  qy /= n;
  // z = sum (q - q̄) conj(p - p̄) / sum |p - p̄|^2
  let re = 0;
  let im = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const ux = src[i][0] - px;
    const uy = src[i][1] - py;
    const vx = dst[i][0] - qx;
    const vy = dst[i][1] - qy;
    re += vx * ux + vy * uy;
    im += vy * ux - vx * uy;
    norm += ux * ux + uy * uy;
  }
  if (!(norm > 1e-12)) return null;
  const a = re / norm;
  const b = im / norm;
  if (!(Math.hypot(a, b) > 1e-9)) return null;
  return [a, -b, qx - (a * px - b * py), b, a, qy - (b * px + a * py)];
}

function fromTwoPoints(p1: Point, p2: Point, q1: Point, q2: Point, minSpan: number): Affine | null {
  const dpx = p2[0] - p1[0];
  const dpy = p2[1] - p1[1];
  const span2 = dpx * dpx + dpy * dpy;
  if (!(span2 > Math.max(minSpan * minSpan, 1e-12))) return null;
  const dqx = q2[0] - q1[0];
  const dqy = q2[1] - q1[1];
  // z = dq / dp
  const a = (dqx * dpx + dqy * dpy) / span2;
  const b = (dqy * dpx - dqx * dpy) / span2;
  if (!(Math.hypot(a, b) > 1e-9)) return null;
  return [a, -b, q1[0] - (a * p1[0] - b * p1[1]), b, a, q1[1] - (b * p1[0] + a * p1[1])];
}

function distance2(m: Affine, p: Point, q: Point): number {
  const x = m[0] * p[0] + m[1] * p[1] + m[2] - q[0];
  const y = m[3] * p[0] + m[4] * p[1] + m[5] - q[1];
  return x * x + y * y;
}

/** Inlier count and a truncated cost (MSAC-like) that breaks ties between equally supported models. */
function score(m: Affine, src: readonly Point[], dst: readonly Point[], threshold2: number): { count: number; cost: number } {
  let count = 0;
  let cost = 0;
  for (let i = 0; i < src.length; i++) {
    const d2 = distance2(m, src[i], dst[i]);
    if (d2 <= threshold2) {
      count++;
      cost += d2;
    } else cost += threshold2;
  }
  return { count, cost };
}

function inliersOf(m: Affine, src: readonly Point[], dst: readonly Point[], threshold2: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) if (distance2(m, src[i], dst[i]) <= threshold2) out.push(i);
  return out;
}
