// AKAZE keypoints and binary (MLDB) descriptors on the object only, and Hamming matching between two such sets,
// optionally guided by a pose estimate. opencv.js (WASM) does the detection and the matching; everything that
// leaves this file is plain typed arrays, so callers (and the cached reference) hold no WASM memory.
//
// Cost: AKAZE builds a nonlinear scale space over its whole input, ~1.5 s for a 1024 px screw frame on a busy
// core and ~0.4 s at 512 px. Only a crop around the object, reduced to the fine pyramid level's scale (512 px
// on the long side), is handed to it, with the object's mask (grown a little, so corners on the outline count)
// as its detection mask.
import { loadCv, type CV } from '../cv.ts';
import type { Affine, Image, Mask } from '../types.ts';
import type { Point } from './affine.ts';
import { dilateDisc } from './morphology.ts';
import { boxAbove, luminance, type Box } from './raster.ts';

export interface FeatureSet {
  count: number;
  /** keypoint centres in full-size image pixels */
  points: Point[];
  /** keypoint diameters in full-size pixels */
  sizes: Float32Array;
  /** descriptor bytes, row-major, `descriptorBytes` per keypoint */
  descriptors: Uint8Array;
  descriptorBytes: number;
  /** level pixels per full-size pixel at which AKAZE ran */
  scale: number;
}

export interface FeatureOptions {
  /** longest side of the (whole) image at the scale AKAZE runs at; default 512 */
  side?: number;
  /** growth of the object mask for AKAZE's detection mask, in level pixels; default 3 */
  maskGrowPx?: number;
  /** AKAZE detector response threshold; default 0.0005 (OpenCV's 0.001 finds ~130 points on a screw at 512 px) */
  threshold?: number;
}

export interface FeatureMatch {
  /** index into the query set and its keypoint (full-size pixels) */
  queryIndex: number;
  query: Point;
  /** index into the train set and its keypoint */
  trainIndex: number;
  train: Point;
  /** Hamming distance of the descriptors, bits */
  distance: number;
}

export interface MatchOptions {
  /** Lowe's ratio: the best candidate must be this much closer than the second (default 0.8) */
  ratio?: number;
  /** query -> train pose estimate (full-size pixels); with radiusPx, only candidates near where it sends a
   *  query keypoint are considered */
  queryToTrain?: Affine;
  /** candidate radius around the predicted position, full-size pixels */
  radiusPx?: number;
  /**
   * 'guided' (default): the ratio test runs among the candidates inside the radius (a periodic thread's other
   * crests, farther than the radius, do not veto a match); 'filter': the ratio test runs over all keypoints and
   * the survivors are then kept only inside the radius. On 40 real screws (radius 12 px at full size) guided
   * gives 46 matches per image and a RANSAC model with >= 15 inliers on 20; filter 10 matches and 3 models.
   */
  mode?: 'guided' | 'filter';
  /** a lone candidate inside the radius (no second one for the ratio) is kept if at most this far, bits
   *  (default 25% of the descriptor's bits) */
  loneMaxDistance?: number;
}

const DEFAULT_SIDE = 512;
const DEFAULT_GROW_PX = 3;
const DEFAULT_THRESHOLD = 0.0005;
/** Context kept around the grown mask in the crop, level pixels: AKAZE's descriptor pattern reaches ~6 sigma. */
const CROP_CONTEXT_PX = 24;

const EMPTY: Omit<FeatureSet, 'scale'> = { count: 0, points: [], sizes: new Float32Array(0), descriptors: new Uint8Array(0), descriptorBytes: 0 };

/** AKAZE keypoints and descriptors of the object `mask` marks in `image` (coordinates in full-size pixels). */
export async function detectFeatures(image: Image, mask: Mask, opts: FeatureOptions = {}): Promise<FeatureSet> {
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new RangeError(`image is ${image.width}x${image.height} but its mask is ${mask.width}x${mask.height}`);
  }
  const { width, height } = image;
  const scale = Math.min(1, (opts.side ?? DEFAULT_SIDE) / Math.max(width, height));
  const grow = Math.max(0, Math.round(opts.maskGrowPx ?? DEFAULT_GROW_PX));
  const box = maskBox(mask);
  if (!box) return { ...EMPTY, scale };

  // The crop, at full size: the object's box plus the grown rim and the descriptor's context.
  const margin = Math.ceil((grow + CROP_CONTEXT_PX) / scale);
  const x0 = Math.max(0, box.x0 - margin);
  const y0 = Math.max(0, box.y0 - margin);
  const x1 = Math.min(width - 1, box.x1 + margin);
  const y1 = Math.min(height - 1, box.y1 + margin);
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const lw = Math.max(1, Math.round(cw * scale));
  const lh = Math.max(1, Math.round(ch * scale));
  const fx = lw / cw;
  const fy = lh / ch;

  const cv = await loadCv();
  const grey = luminance(image);
  // Everything allocated in WASM is listed here as it is made and freed in the finally block.
  const owned: CV[] = [];
  const own = <T extends CV>(x: T): T => {
    owned.push(x);
    return x;
  };
  try {
    const cropGrey = own(new cv.Mat(ch, cw, cv.CV_8UC1));
    const cropMask = own(new cv.Mat(ch, cw, cv.CV_8UC1));
    const levelGrey = own(new cv.Mat());
    const levelMaskArea = own(new cv.Mat());
    const levelMask = own(new cv.Mat(lh, lw, cv.CV_8UC1));
    const akaze = own(new cv.AKAZE());
    const keypoints = own(new cv.KeyPointVector());
    const descriptors = own(new cv.Mat());
    const greyBytes = cropGrey.data as Uint8Array; // a fresh view per access: take it once
    const maskBytes = cropMask.data as Uint8Array;
    for (let y = 0; y < ch; y++) {
      const from = (y0 + y) * width + x0;
      greyBytes.set(grey.subarray(from, from + cw), y * cw);
      for (let x = 0; x < cw; x++) maskBytes[y * cw + x] = mask.data[from + x] !== 0 ? 255 : 0;
    }
    const interpolation = scale < 1 ? cv.INTER_AREA : cv.INTER_LINEAR;
    cv.resize(cropGrey, levelGrey, new cv.Size(lw, lh), 0, 0, interpolation);
    cv.resize(cropMask, levelMaskArea, new cv.Size(lw, lh), 0, 0, interpolation);
    // Any level pixel the object touches, grown by `grow`.
    const grown = dilateDisc(levelMaskArea.data as Uint8Array, lw, lh, grow);
    levelMask.data.set(grown);
    akaze.setThreshold(opts.threshold ?? DEFAULT_THRESHOLD);
    akaze.detectAndCompute(levelGrey, levelMask, keypoints, descriptors);

    const count = keypoints.size();
    if (count === 0 || descriptors.rows !== count) return { ...EMPTY, scale };
    const points: Point[] = [];
    const sizes = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const kp = keypoints.get(i);
      // Level pixel centres sit at (full + 0.5) * f - 0.5 (OpenCV's resize convention).
      points.push([(kp.pt.x + 0.5) / fx - 0.5 + x0, (kp.pt.y + 0.5) / fy - 0.5 + y0]);
      sizes[i] = kp.size / scale;
    }
    return { count, points, sizes, descriptors: new Uint8Array(descriptors.data), descriptorBytes: descriptors.cols, scale };
  } finally {
    for (const x of owned) x.delete();
  }
}

/**
 * Matches each query keypoint to a train keypoint by brute-force Hamming kNN (k = 2) with Lowe's ratio test,
 * optionally only among train keypoints near where `queryToTrain` sends it (see MatchOptions.mode).
 */
export async function matchFeatures(query: FeatureSet, train: FeatureSet, opts: MatchOptions = {}): Promise<FeatureMatch[]> {
  if (query.count === 0 || train.count === 0) return [];
  if (query.descriptorBytes !== train.descriptorBytes) {
    throw new RangeError(`descriptors of ${query.descriptorBytes} and ${train.descriptorBytes} bytes cannot be matched`);
  }
  const ratio = opts.ratio ?? 0.8;
  const mode = opts.mode ?? 'guided';
  const guide = opts.queryToTrain && opts.radiusPx !== undefined ? { m: opts.queryToTrain, r2: opts.radiusPx ** 2 } : null;
  const loneMax = opts.loneMaxDistance ?? 0.25 * 8 * query.descriptorBytes;
  const near = (qi: number, ti: number): boolean => {
    if (!guide) return true;
    const [x, y] = query.points[qi];
    const { m } = guide;
    const dx = m[0] * x + m[1] * y + m[2] - train.points[ti][0];
    const dy = m[3] * x + m[4] * y + m[5] - train.points[ti][1];
    return dx * dx + dy * dy <= guide.r2;
  };

  const cv = await loadCv();
  const owned: CV[] = [];
  const own = <T extends CV>(x: T): T => {
    owned.push(x);
    return x;
  };
  try {
    const q = own(new cv.Mat(query.count, query.descriptorBytes, cv.CV_8UC1));
    const t = own(new cv.Mat(train.count, train.descriptorBytes, cv.CV_8UC1));
    const matcher = own(new cv.BFMatcher(cv.NORM_HAMMING, false));
    const knn = own(new cv.DMatchVectorVector());
    q.data.set(query.descriptors);
    t.data.set(train.descriptors);
    if (guide && mode === 'guided') {
      const allowed = own(new cv.Mat(query.count, train.count, cv.CV_8UC1));
      const bits = allowed.data as Uint8Array;
      for (let qi = 0; qi < query.count; qi++) for (let ti = 0; ti < train.count; ti++) bits[qi * train.count + ti] = near(qi, ti) ? 1 : 0;
      matcher.knnMatch(q, t, knn, 2, allowed, false);
    } else {
      matcher.knnMatch(q, t, knn, 2);
    }
    const matches: FeatureMatch[] = [];
    for (let i = 0; i < knn.size(); i++) {
      const pair = knn.get(i);
      try {
        if (pair.size() === 0) continue;
        const first = pair.get(0);
        const second = pair.size() > 1 ? pair.get(1) : null;
        const passes = second ? first.distance < ratio * second.distance : guide !== null && first.distance <= loneMax;
        if (!passes) continue;
        if (guide && mode === 'filter' && !near(first.queryIdx, first.trainIdx)) continue;
        matches.push({
          queryIndex: first.queryIdx,
          query: query.points[first.queryIdx],
          trainIndex: first.trainIdx,
          train: train.points[first.trainIdx],
          distance: first.distance,
        });
      } finally {
        pair.delete();
      }
    }
    return matches;
  } finally {
    for (const x of owned) x.delete();
  }
}

function maskBox(mask: Mask): Box | null {
  return boxAbove(mask, 0);
}
