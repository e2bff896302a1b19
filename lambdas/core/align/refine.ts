// Gauss-Newton refinement of a similarity between two rasters (forward-additive Lucas-Kanade). Written here
// rather than with cv.findTransformECC because it keeps the model a true 4-parameter similarity (ECC offers
// Euclidean without scale or a full affine), takes an explicit pixel list as its support, can fit gain and bias
// (a brightness shift between shots) and down-weights outliers (a screw turned about its axis shows its thread
// differently).
import type { Affine } from '../types.ts';
import { invertAffine } from './affine.ts';

/** The fixed raster (reference side) and the pixels of it that take part. */
export interface RefineTarget {
  width: number;
  values: Float32Array;
  /** indices (y * width + x) of the pixels that take part */
  pixels: Int32Array;
}

/** The moving raster (image side) with its gradients. */
export interface RefineSource {
  width: number;
  height: number;
  values: Float32Array;
  gx: Float32Array;
  gy: Float32Array;
}

export interface RefineOptions {
  maxIterations?: number;
  /** fit source ~ gain * target + bias as well (for intensities, not for masks) */
  photometric?: boolean;
  /** Huber weights on the residuals, scale re-estimated each iteration */
  robust?: boolean;
  /** stop when no support pixel moves more than this (target pixels) */
  tolerancePx?: number;
}

export interface RefineResult {
  /** source -> target */
  matrix: Affine;
  iterations: number;
  converged: boolean;
  /** RMS residual over the support at the last iteration */
  rmsResidual: number;
}

const HUBER_K = 1.345;

/**
 * Refines `sourceToTarget` so that source(W(x)) ~ target(x) over the target's support, W = sourceToTarget^-1,
 * W restricted to similarities. Stops early when the system becomes degenerate; returns the input unchanged
 * (converged: false) when the result is not a usable similarity.
 */
export function refineSimilarity(target: RefineTarget, source: RefineSource, sourceToTarget: Affine, opts: RefineOptions = {}): RefineResult {
  const maxIterations = opts.maxIterations ?? 30;
  const tolerance = opts.tolerancePx ?? 0.01;
  const photometric = opts.photometric ?? false;
  const robust = opts.robust ?? false;
  const nParams = photometric ? 6 : 4;
  const { pixels } = target;
  const tw = target.width;
  const { width: sw, height: sh, values: sv, gx: sgx, gy: sgy } = source;

  // Centre the parametrisation on the support's centroid so rotation and translation decouple.
  let cx = 0;
  let cy = 0;
  let radius = 0;
  for (let k = 0; k < pixels.length; k++) {
    cx += pixels[k] % tw;
    cy += Math.floor(pixels[k] / tw);
  }
  cx /= Math.max(1, pixels.length);
  cy /= Math.max(1, pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    radius = Math.max(radius, Math.hypot((pixels[k] % tw) - cx, Math.floor(pixels[k] / tw) - cy));
  }

  const w0 = invertAffine(sourceToTarget);
  // W(x) = [[a, -b], [b, a]] (x - c) + t; a slightly non-similar start is projected onto a similarity.
  let a = (w0[0] + w0[4]) / 2;
  let b = (w0[3] - w0[1]) / 2;
  let tx = w0[0] * cx + w0[1] * cy + w0[2];
  let ty = w0[3] * cx + w0[4] * cy + w0[5];
  let gain = 1;
  let bias = 0;
  let huberScale = Infinity;

  // Each support pixel's offset from the centre, once (the loop below runs up to maxIterations times over them).
  const offX = new Float64Array(pixels.length);
  const offY = new Float64Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    const idx = pixels[k];
    offX[k] = (idx % tw) - cx;
    offY[k] = Math.floor(idx / tw) - cy;
  }
  const tv = target.values;
  const h = new Float64Array(nParams * nParams);
  const g = new Float64Array(nParams);
  const absResiduals = new Float64Array(robust ? (pixels.length >> 3) + 1 : 0);
  let rms = 0;
  let iterations = 0;
  let converged = false;

  for (; iterations < maxIterations; iterations++) {
    // The normal equations' upper triangle and gradient in scalars (same sums, same order as a matrix would
    // take them); the photometric columns are zero when not fitted.
    let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h05 = 0;
    let h11 = 0, h12 = 0, h13 = 0, h14 = 0, h15 = 0;
    let h22 = 0, h23 = 0, h24 = 0, h25 = 0;
    let h33 = 0, h34 = 0, h35 = 0;
    let h44 = 0, h45 = 0, h55 = 0;
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0;
    let sumSq = 0;
    let used = 0;
    let sampled = 0;
    const huberLimit = HUBER_K * huberScale;
    for (let k = 0; k < pixels.length; k++) {
      const dx = offX[k];
      const dy = offY[k];
      const u = a * dx - b * dy + tx;
      const v = b * dx + a * dy + ty;
      if (u < 0 || v < 0 || u > sw - 1 || v > sh - 1) continue;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const x1 = x0 < sw - 1 ? x0 + 1 : x0;
      const y1 = y0 < sh - 1 ? y0 + 1 : y0;
      const fx = u - x0;
      const fy = v - y0;
      const i00 = y0 * sw + x0;
      const i01 = y0 * sw + x1;
      const i10 = y1 * sw + x0;
      const i11 = y1 * sw + x1;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const s = sv[i00] * w00 + sv[i01] * w01 + sv[i10] * w10 + sv[i11] * w11;
      const ix = sgx[i00] * w00 + sgx[i01] * w01 + sgx[i10] * w10 + sgx[i11] * w11;
      const iy = sgy[i00] * w00 + sgy[i01] * w01 + sgy[i10] * w10 + sgy[i11] * w11;
      const t = tv[pixels[k]];
      const e = s - (gain * t + bias);
      let weight = 1;
      if (robust) {
        const ae = Math.abs(e);
        if ((k & 7) === 0) absResiduals[sampled++] = ae; // every 8th residual estimates the scale well enough
        if (ae > huberLimit) weight = huberLimit / ae;
      }
      const j0 = ix * dx + iy * dy;
      const j1 = -ix * dy + iy * dx;
      const j2 = ix;
      const j3 = iy;
      const r0 = j0 * weight;
      const r1 = j1 * weight;
      const r2 = j2 * weight;
      const r3 = j3 * weight;
      g0 += r0 * e;
      h00 += r0 * j0;
      h01 += r0 * j1;
      h02 += r0 * j2;
      h03 += r0 * j3;
      g1 += r1 * e;
      h11 += r1 * j1;
      h12 += r1 * j2;
      h13 += r1 * j3;
      g2 += r2 * e;
      h22 += r2 * j2;
      h23 += r2 * j3;
      g3 += r3 * e;
      h33 += r3 * j3;
      if (photometric) {
        const j4 = -t;
        const j5 = -1;
        const r4 = j4 * weight;
        const r5 = j5 * weight;
        h04 += r0 * j4;
        h05 += r0 * j5;
        h14 += r1 * j4;
        h15 += r1 * j5;
        h24 += r2 * j4;
        h25 += r2 * j5;
        h34 += r3 * j4;
        h35 += r3 * j5;
        g4 += r4 * e;
        h44 += r4 * j4;
        h45 += r4 * j5;
        g5 += r5 * e;
        h55 += r5 * j5;
      }
      sumSq += e * e;
      used++;
    }
    const upper = [h00, h01, h02, h03, h04, h05, h11, h12, h13, h14, h15, h22, h23, h24, h25, h33, h34, h35, h44, h45, h55];
    for (let r = 0, q = 0; r < 6; r++) {
      for (let c = r; c < 6; c++, q++) if (r < nParams && c < nParams) h[r * nParams + c] = upper[q];
    }
    const gs = [g0, g1, g2, g3, g4, g5];
    for (let r = 0; r < nParams; r++) g[r] = gs[r];
    if (used < nParams * 4) break;
    rms = Math.sqrt(sumSq / used);
    if (robust) huberScale = Math.max(1e-6, 1.4826 * median(absResiduals.subarray(0, sampled)));
    for (let r = 0; r < nParams; r++) for (let c = 0; c < r; c++) h[r * nParams + c] = h[c * nParams + r];
    // A little Levenberg damping keeps flat directions (e.g. along a featureless bar) from exploding.
    for (let r = 0; r < nParams; r++) h[r * nParams + r] *= 1 + 1e-6;
    const step = solveSymmetric(h, g, nParams);
    if (!step) break;
    a -= step[0];
    b -= step[1];
    tx -= step[2];
    ty -= step[3];
    if (photometric) {
      gain -= step[4];
      bias -= step[5];
    }
    const movePx = Math.hypot(step[2], step[3]) + radius * Math.hypot(step[0], step[1]);
    if (!Number.isFinite(movePx)) break;
    if (movePx < tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  if (!Number.isFinite(a + b + tx + ty) || Math.hypot(a, b) < 1e-6) {
    return { matrix: sourceToTarget, iterations, converged: false, rmsResidual: rms };
  }
  const w: Affine = [a, -b, tx - a * cx + b * cy, b, a, ty - b * cx - a * cy];
  return { matrix: invertAffine(w), iterations, converged, rmsResidual: rms };
}

/** The upper median (element n >> 1 in sorted order), by quickselect; reorders `values`. */
function median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  const k = n >> 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k];
}

/** Solves H x = g for a small symmetric system by Gaussian elimination with partial pivoting. */
function solveSymmetric(h: Float64Array, g: Float64Array, n: number): Float64Array | null {
  const m = new Float64Array(n * (n + 1));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) m[r * (n + 1) + c] = h[r * n + c];
    m[r * (n + 1) + n] = g[r];
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * (n + 1) + col]) > Math.abs(m[pivot * (n + 1) + col])) pivot = r;
    if (Math.abs(m[pivot * (n + 1) + col]) < 1e-12) return null;
    if (pivot !== col) {
      for (let c = 0; c <= n; c++) {
        const tmp = m[col * (n + 1) + c];
        m[col * (n + 1) + c] = m[pivot * (n + 1) + c];
        m[pivot * (n + 1) + c] = tmp;
      }
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * (n + 1) + col] / m[col * (n + 1) + col];
      if (f === 0) continue;
      for (let c = col; c <= n; c++) m[r * (n + 1) + c] -= f * m[col * (n + 1) + c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r * (n + 1) + n];
    for (let c = r + 1; c < n; c++) s -= m[r * (n + 1) + c] * x[c];
    x[r] = s / m[r * (n + 1) + r];
  }
  return x;
}
