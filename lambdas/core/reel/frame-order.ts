// Frame order by similarity. x265 predicts each frame from its neighbours, so a reel whose consecutive frames look
// alike costs fewer bits for the same quality. The order is an open path through the frames that is short in
// thumbnail distance: greedy nearest neighbour from the first frame, then 2-opt. No maintained npm package covers
// this (the TSP packages are unmaintained or browser demos), and it is a few dozen lines over a distance matrix.
// The order only changes where a frame sits in the reel: the manifest lists frames in reel order, and restore writes
// each frame under its own name.
import type { Image } from '../types.ts';

/** Thumbnail side used for ordering: 32x32 keeps the coarse appearance (pose residue, lighting) and ignores noise. */
export const ORDER_THUMBNAIL_SIDE = 32;
/** 2-opt passes are O(n^2) each; they converge in a handful on real data, this only caps a pathological case. */
const MAX_TWO_OPT_ROUNDS = 50;

/** Area-averaged side x side thumbnail of an image's first channel, as floats. */
export function thumbnail(img: Image, side = ORDER_THUMBNAIL_SIDE): Float32Array {
  const out = new Float32Array(side * side);
  const counts = new Float32Array(side * side);
  for (let y = 0; y < img.height; y++) {
    const row = Math.min(side - 1, Math.floor((y * side) / img.height)) * side;
    for (let x = 0; x < img.width; x++) {
      const t = row + Math.min(side - 1, Math.floor((x * side) / img.width));
      out[t] += img.data[(y * img.width + x) * img.channels];
      counts[t]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = counts[i] > 0 ? out[i] / counts[i] : 0;
  return out;
}

/** Symmetric n x n matrix of L1 distances between thumbnails. */
export function distanceMatrix(thumbs: Float32Array[]): Float64Array {
  const n = thumbs.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = thumbs[i];
    for (let j = i + 1; j < n; j++) {
      const b = thumbs[j];
      if (b.length !== a.length) throw new RangeError(`thumbnail ${j} has ${b.length} values, thumbnail ${i} has ${a.length}`);
      let s = 0;
      for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
      d[i * n + j] = d[j * n + i] = s;
    }
  }
  return d;
}

/** Length of the open path `order` under distance matrix `d` of n items. */
export function pathLength(d: Float64Array, n: number, order: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < order.length; i++) s += d[order[i - 1] * n + order[i]];
  return s;
}

/**
 * A permutation of 0..n-1 starting at 0, short in thumbnail distance. Deterministic: ties go to the lower index,
 * so the CLI and the cloud (which see the same frames) choose the same order.
 */
export function similarityOrder(thumbs: Float32Array[]): number[] {
  const n = thumbs.length;
  if (n < 3) return thumbs.map((_, i) => i);
  const d = distanceMatrix(thumbs);
  const used = new Uint8Array(n);
  const path = [0];
  used[0] = 1;
  for (let step = 1; step < n; step++) {
    const last = path[path.length - 1];
    let best = -1;
    for (let j = 0; j < n; j++) if (!used[j] && (best < 0 || d[last * n + j] < d[last * n + best])) best = j;
    path.push(best);
    used[best] = 1;
  }
  // 2-opt on an open path: reversing path[i..j] changes only the edges at its two ends (the first frame stays first).
  for (let improved = true, rounds = 0; improved && rounds < MAX_TWO_OPT_ROUNDS; rounds++) {
    improved = false;
    for (let i = 1; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        const tail = j + 1 < n;
        const before = d[path[i - 1] * n + path[i]] + (tail ? d[path[j] * n + path[j + 1]] : 0);
        const after = d[path[i - 1] * n + path[j]] + (tail ? d[path[i] * n + path[j + 1]] : 0);
        if (after < before - 1e-9) {
          for (let a = i, b = j; a < b; a++, b--) [path[a], path[b]] = [path[b], path[a]];
          improved = true;
        }
      }
    }
  }
  return path;
}
