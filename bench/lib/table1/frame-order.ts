// Frame ordering by similarity, as the issue suggests measuring: consecutive frames that look alike predict each
// other better, so x265 spends fewer bits. Greedy nearest-neighbour tour on small thumbnails, then 2-opt.
import type { Image } from '../../../lambdas/core/types.ts';

/** Area-averaged side x side thumbnail of a grey image, as floats. */
export function thumbnail(img: Image, side: number): Float32Array {
  const out = new Float32Array(side * side);
  const counts = new Float32Array(side * side);
  for (let y = 0; y < img.height; y++) {
    const ty = Math.min(side - 1, Math.floor((y * side) / img.height));
    for (let x = 0; x < img.width; x++) {
      const t = ty * side + Math.min(side - 1, Math.floor((x * side) / img.width));
      out[t] += img.data[(y * img.width + x) * img.channels];
      counts[t]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= counts[i];
  return out;
}

export function distanceMatrix(thumbs: Float32Array[]): Float64Array {
  const n = thumbs.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      const a = thumbs[i];
      const b = thumbs[j];
      for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
      d[i * n + j] = d[j * n + i] = s;
    }
  }
  return d;
}

/** An open path through every frame starting at frame 0 (the reference), short in thumbnail distance. */
export function similarityOrder(frames: Image[], side = 32): number[] {
  const n = frames.length;
  if (n < 3) return frames.map((_, i) => i);
  const d = distanceMatrix(frames.map((f) => thumbnail(f, side)));
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
  // 2-opt on an open path: reversing path[i..j] changes only the edges at its two ends.
  for (let improved = true, rounds = 0; improved && rounds < 50; rounds++) {
    improved = false;
    for (let i = 1; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        const before = d[path[i - 1] * n + path[i]] + (j + 1 < n ? d[path[j] * n + path[j + 1]] : 0);
        const after = d[path[i - 1] * n + path[j]] + (j + 1 < n ? d[path[i] * n + path[j + 1]] : 0);
        if (after < before - 1e-9) {
          path.splice(i, j - i + 1, ...path.slice(i, j + 1).reverse());
          improved = true;
        }
      }
    }
  }
  return path;
}
