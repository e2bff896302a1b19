// --quality auto, the rule: the largest CRF whose coding noise, seen through the detector's features, stays a small
// share of the natural spread between good images. No defect image exists at compress time, so the yardstick is the
// training set itself: over a small held-out set of good frames,
//   distortion(c) = mean over images of sum over positions and channels of (f(original) - f(decoded at CRF c))^2
//   spread        = sum over positions and channels of the variance of f(original) across the held-out images
// and CRF c is accepted when distortion(c) / spread <= tolerance. The ratio grows with CRF (more coding noise), so
// the largest accepted CRF is found by bisection over the whole-number CRFs; the bisection's last pass and fail are
// neighbours (c and c + 1), so the choice is verified at its neighbour. f is a FeatureExtractor: the PaDiM backbone's
// embedding in the CLI (lambdas/eval/image-features.ts), the pixels themselves in the unit tests (pixel-features.ts).
import { mulberry32 } from '../../ground/prng.ts';
import type { Image } from '../types.ts';

/** One image's features: `positions` x `dims` values, position-major. */
export interface FeatureMap {
  positions: number;
  dims: number;
  data: Float32Array;
}

/** What --quality auto looks through: one feature map per image. */
export interface FeatureExtractor {
  /** recorded in the manifest: e.g. "padim-resnet18-layer1-3" or "pixels" */
  criterion: string;
  /** sha256 of the model file, when there is one */
  modelSha256?: string;
  extract(images: Image[]): Promise<FeatureMap[]>;
  close?(): Promise<void>;
}



/** Held-out frames: enough for a spread estimate, few enough that each candidate encode is a second or two. */
export const QUALITY_HELD_OUT = 16;
export const QUALITY_SEED = 0;

/** `count` of `n` positions, evenly spread with a seeded offset (the same frames on every machine). */
export function heldOutIndices(n: number, count: number, seed = QUALITY_SEED): number[] {
  const k = Math.min(n, count);
  const offset = mulberry32(seed)();
  const picked = new Set<number>();
  for (let j = 0; j < k; j++) picked.add(Math.min(n - 1, Math.floor(((j + offset) * n) / k)));
  return [...picked].sort((a, b) => a - b);
}

/** Sum over positions and dims of the unbiased variance across images. */
export function naturalSpread(maps: FeatureMap[]): number {
  if (maps.length < 2) throw new RangeError(`the natural spread needs at least 2 held-out images, got ${maps.length}`);
  const len = maps[0].data.length;
  const n = maps.length;
  let total = 0;
  for (let i = 0; i < len; i++) {
    let s = 0;
    let s2 = 0;
    const v0 = maps[0].data[i];
    for (const m of maps) {
      const d = m.data[i] - v0;
      s += d;
      s2 += d * d;
    }
    total += (s2 - (s * s) / n) / (n - 1);
  }
  return total;
}

/** Mean over images of the squared feature distance between originals and their decoded frames. */
export function meanDistortion(originals: FeatureMap[], decoded: FeatureMap[]): number {
  if (originals.length !== decoded.length) throw new RangeError(`${originals.length} originals but ${decoded.length} decoded maps`);
  let total = 0;
  originals.forEach((o, k) => {
    const d = decoded[k];
    if (d.data.length !== o.data.length) throw new RangeError('decoded feature map differs in size from its original');
    for (let i = 0; i < o.data.length; i++) {
      const e = o.data[i] - d.data[i];
      total += e * e;
    }
  });
  return total / originals.length;
}

export interface QualityTrial {
  crf: number;
  /** distortion / spread */
  ratio: number;
  /** bytes of the held-out frames encoded at this CRF */
  bytes: number;
}

export interface QualitySearchResult {
  crf: number;
  /** false when even the lowest CRF tried exceeds the tolerance (the lowest is then used) */
  met: boolean;
  spread: number;
  /** in the order evaluated */
  trials: QualityTrial[];
}

/**
 * Bisection for the largest CRF in [min, max] with ratio <= tolerance, assuming the ratio grows with CRF.
 * `trial(crf)` encodes the held-out frames at crf and returns the ratio (and bytes).
 */
export async function bisectCrf(
  trial: (crf: number) => Promise<{ ratio: number; bytes: number }>,
  tolerance: number,
  range: { min: number; max: number },
): Promise<{ crf: number; met: boolean; trials: QualityTrial[] }> {
  const trials: QualityTrial[] = [];
  const cache = new Map<number, boolean>();
  const passes = async (crf: number): Promise<boolean> => {
    const known = cache.get(crf);
    if (known !== undefined) return known;
    const r = await trial(crf);
    trials.push({ crf, ...r });
    const ok = r.ratio <= tolerance;
    cache.set(crf, ok);
    return ok;
  };
  if (await passes(range.max)) return { crf: range.max, met: true, trials };
  if (!(await passes(range.min))) return { crf: range.min, met: false, trials };
  let lo = range.min; // passes
  let hi = range.max; // fails
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await passes(mid)) lo = mid;
    else hi = mid;
  }
  return { crf: lo, met: true, trials };
}
