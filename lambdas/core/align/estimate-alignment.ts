// Robust similarity alignment of one image onto the reference.
//
// Screws are nearly symmetric and their threads periodic, so local evidence (feature matches, intensity
// gradients) is happy to flip a screw head-to-tip or slide it by one thread pitch. The global silhouette is not:
// 1. search: rotation over the full circle at the coarsest level (centroids matched, scale from the area ratio),
//    scored by silhouette IoU; its best peaks plus both principal-axis hypotheses become candidates;
// 2. each candidate is refined on blurred silhouettes (coarse, then middle level) and verified by IoU + NCC;
//    the best one wins, and the margin to the best hypothesis pointing elsewhere is its ambiguity;
// 3. the winner is refined at the finest level on the silhouette, then on intensities (gain/bias, robust), each
//    step kept only if the verification score improves.
import { AlignmentError } from '../errors.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { affineAtFullSize, affineAtReducedSize, paramsFromAffine, similarityAbout } from './affine.ts';
import { maskPose } from './coarse-pose.ts';
import { buildPyramid, type PyramidLevelWithGradients } from './pyramid.ts';
import type { ReferenceLevel, ReferenceModel } from './reference.ts';
import { refineSimilarity } from './refine.ts';
import { combinedScore, warpedMaskIou, warpedNcc, type Verification } from './verify.ts';
import { warpMask } from './warp.ts';

export interface AlignmentResult {
  /** maps the image's pixels into reference coordinates */
  matrix: Affine;
  scale: number;
  angleDeg: number;
  tx: number;
  ty: number;
  /** 0..1, higher is better; the one number recorded per image in the manifest */
  score: number;
  /** IoU of the warped object mask with the reference mask (full resolution) */
  silhouetteIou: number;
  /** normalised cross-correlation of warped image vs reference inside the reference mask */
  ncc: number;
  /** which stages produced the matrix, e.g. 'silhouette+intensity' */
  method: string;
  /** false = cannot be aligned with confidence; the matrix is then only the best guess */
  ok: boolean;
  /** why not ok (without the file name: callers add it) */
  reason?: string;
}

export interface EstimateOptions {
  /** file name, for messages */
  name?: string;
  /** skip the final intensity refinement (silhouette only) */
  silhouetteOnly?: boolean;
}

/** Rotation search step at the coarsest level. */
const SEARCH_STEP_DEG = 5;
/** Search peaks refined besides the two principal-axis hypotheses. */
const SEARCH_PEAKS = 3;
/** Candidates closer than this in angle are the same hypothesis. */
const SAME_HYPOTHESIS_DEG = 12;
/** Refinement stops when no support pixel moves more than this (level pixels). */
const COARSE_TOLERANCE_PX = 0.05;
const FINE_TOLERANCE_PX = 0.01;
/** The intensity refinement is kept only if it costs at most this much silhouette IoU. */
const INTENSITY_MAX_IOU_LOSS = 0.005;
/** Allowed object size ratio image/reference (linear). */
const SCALE_RANGE: [number, number] = [0.6, 1.6];
/** Acceptance: full-resolution silhouette IoU and combined score; chosen from the real screws vs garbage. */
export const MIN_SILHOUETTE_IOU = 0.7;
export const MIN_SCORE = 0.6;
/**
 * A pose pointing elsewhere (e.g. the flipped screw) that verifies within this margin of the best makes the
 * result ambiguous, unless the best one's silhouette fits so well that nothing else could (IoU >= 0.9). On the
 * real screws the flipped pose trails by ~0.17 in score; a featureless ellipse of noise ties within 0.02.
 */
const AMBIGUITY_MARGIN = 0.03;
const UNAMBIGUOUS_IOU = 0.9;

interface Candidate {
  matrix: Affine;
  verification: Verification;
}

export async function estimateAlignment(ref: ReferenceModel, image: Image, mask: Mask, opts: EstimateOptions = {}): Promise<AlignmentResult> {
  const name = opts.name ?? 'image';
  const internals = ref.internals;
  if (internals.disposed) throw new AlignmentError(name, 'the reference model was disposed');
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new AlignmentError(name, `image is ${image.width}x${image.height} but its mask is ${mask.width}x${mask.height}`);
  }
  const refPose = internals.pose;
  const imgPose = maskPose(mask);
  if (imgPose.area < 16) return rejected('the object mask is empty');
  const areaScale = Math.sqrt(refPose.area / imgPose.area);
  if (areaScale < SCALE_RANGE[0] || areaScale > SCALE_RANGE[1]) {
    return rejected(`the object's area is ${(1 / areaScale ** 2).toFixed(2)} times the reference's, outside the accepted size range`);
  }

  const imgLevels = await buildPyramid(image, mask, true);
  const refLevels = internals.levels;
  const depth = Math.min(imgLevels.length, refLevels.length);
  const at = (i: number) => ({ ref: refLevels[i], img: imgLevels[i] });

  // 1. Rotation search on the coarsest silhouettes.
  const coarse = at(0);
  const searchAngles: { angleDeg: number; iou: number }[] = [];
  for (let angleDeg = 0; angleDeg < 360; angleDeg += SEARCH_STEP_DEG) {
    const m = similarityAbout(imgPose.centroid, refPose.centroid, areaScale, angleDeg);
    const iou = warpedMaskIou(coarse.ref.mask, coarse.ref.maskBox, coarse.img.mask, coarse.img.maskBox, toLevel(m, coarse.img, coarse.ref));
    searchAngles.push({ angleDeg, iou });
  }
  const startAngles = [...searchPeaks(searchAngles, SEARCH_PEAKS)];
  const axisDelta = refPose.axisDeg - imgPose.axisDeg;
  startAngles.push(axisDelta, axisDelta + 180);

  // 2. Refine every distinct start on the coarse silhouettes; the best two distinct poses go on to the middle
  // level, where the winner is chosen and the other one measures the ambiguity.
  const coarseCandidates: Candidate[] = [];
  for (const angleDeg of dedupeAngles(startAngles)) {
    const start = similarityAbout(imgPose.centroid, refPose.centroid, areaScale, angleDeg);
    const m = refineSilhouette(coarse.ref, coarse.img, start, COARSE_TOLERANCE_PX);
    coarseCandidates.push({ matrix: m, verification: verify(coarse.ref, coarse.img, m) });
  }
  const middleIndex = Math.min(1, depth - 1);
  const middle = at(middleIndex);
  const finalists = distinctBest(coarseCandidates, 2).map((c) => {
    const m = middleIndex > 0 ? refineSilhouette(middle.ref, middle.img, c.matrix, COARSE_TOLERANCE_PX) : c.matrix;
    return { matrix: m, verification: verify(middle.ref, middle.img, m) };
  });
  finalists.sort((p, q) => q.verification.score - p.verification.score);
  const [best, rival] = finalists;

  // 3. Finest level: silhouette, then intensities; keep a step only if it verifies better.
  const fine = at(depth - 1);
  let current: Candidate = { matrix: best.matrix, verification: verify(fine.ref, fine.img, best.matrix) };
  let method = 'silhouette';
  if (depth - 1 > middleIndex) {
    const m = refineSilhouette(fine.ref, fine.img, current.matrix, FINE_TOLERANCE_PX);
    const v = verify(fine.ref, fine.img, m);
    if (v.score >= current.verification.score) current = { matrix: m, verification: v };
  }
  if (!opts.silhouetteOnly) {
    // The thread and edges may sharpen the pose, but the silhouette has the last word: on real screws the
    // lamp and the screw's roll change how the thread looks, and an intensity fit may trade outline for texture.
    const m = refineIntensity(fine.ref, fine.img, current.matrix);
    const v = verify(fine.ref, fine.img, m);
    if (v.score > current.verification.score && v.iou >= current.verification.iou - INTENSITY_MAX_IOU_LOSS) {
      current = { matrix: m, verification: v };
      method = 'silhouette+intensity';
    }
  }

  const matrix = current.matrix;
  const params = paramsFromAffine(matrix);
  const warped = await warpMask(mask, matrix, ref.width, ref.height);
  const silhouetteIou = maskIou(warped.data, internals.mask.data);
  const ncc = current.verification.ncc;
  const score = combinedScore(silhouetteIou, ncc);
  const result: AlignmentResult = { matrix, ...params, score, silhouetteIou, ncc, method, ok: true };

  const reasons: string[] = [];
  if (silhouetteIou < MIN_SILHOUETTE_IOU) reasons.push(`silhouette IoU ${silhouetteIou.toFixed(3)} < ${MIN_SILHOUETTE_IOU}`);
  if (score < MIN_SCORE) reasons.push(`score ${score.toFixed(3)} < ${MIN_SCORE}`);
  if (params.scale < SCALE_RANGE[0] || params.scale > SCALE_RANGE[1]) reasons.push(`scale ${params.scale.toFixed(3)} out of range`);
  if (rival && rival.verification.score > best.verification.score - AMBIGUITY_MARGIN && best.verification.iou < UNAMBIGUOUS_IOU) {
    const gap = angleGap(paramsFromAffine(rival.matrix).angleDeg, paramsFromAffine(best.matrix).angleDeg);
    reasons.push(`ambiguous: a pose ${gap.toFixed(0)} deg away scores ${rival.verification.score.toFixed(3)} vs ${best.verification.score.toFixed(3)}`);
  }
  if (reasons.length > 0) return { ...result, ok: false, reason: reasons.join('; ') };
  return result;
}

function rejected(reason: string): AlignmentResult {
  return {
    matrix: [1, 0, 0, 0, 1, 0],
    scale: 1,
    angleDeg: 0,
    tx: 0,
    ty: 0,
    score: 0,
    silhouetteIou: 0,
    ncc: 0,
    method: 'none',
    ok: false,
    reason,
  };
}

function toLevel(m: Affine, img: PyramidLevelWithGradients, ref: ReferenceLevel): Affine {
  return affineAtReducedSize(m, img, ref);
}

function fromLevel(m: Affine, img: PyramidLevelWithGradients, ref: ReferenceLevel): Affine {
  return affineAtFullSize(m, img, ref);
}

function refineSilhouette(ref: ReferenceLevel, img: PyramidLevelWithGradients, m: Affine, tolerancePx: number): Affine {
  const result = refineSimilarity(
    { width: ref.width, values: ref.softMask.data, pixels: ref.silhouettePixels },
    { width: img.width, height: img.height, values: img.softMask.data, gx: img.softMaskGx, gy: img.softMaskGy },
    toLevel(m, img, ref),
    { maxIterations: 40, tolerancePx },
  );
  return fromLevel(result.matrix, img, ref);
}

function refineIntensity(ref: ReferenceLevel, img: PyramidLevelWithGradients, m: Affine): Affine {
  const result = refineSimilarity(
    { width: ref.width, values: ref.detail.data, pixels: ref.intensityPixels },
    { width: img.width, height: img.height, values: img.detail.data, gx: img.detailGx, gy: img.detailGy },
    toLevel(m, img, ref),
    { maxIterations: 30, photometric: true, robust: true, tolerancePx: FINE_TOLERANCE_PX },
  );
  return fromLevel(result.matrix, img, ref);
}

function verify(ref: ReferenceLevel, img: PyramidLevelWithGradients, m: Affine): Verification {
  const levelMatrix = toLevel(m, img, ref);
  const iou = warpedMaskIou(ref.mask, ref.maskBox, img.mask, img.maskBox, levelMatrix);
  const ncc = warpedNcc(ref.detail, img.detail, levelMatrix, ref.objectPixels);
  return { iou, ncc, score: combinedScore(iou, ncc) };
}

/** The highest local maxima of a circular sequence of scores. */
function searchPeaks(samples: { angleDeg: number; iou: number }[], count: number): number[] {
  const n = samples.length;
  const peaks = samples.filter((s, i) => s.iou >= samples[(i + n - 1) % n].iou && s.iou >= samples[(i + 1) % n].iou);
  return peaks
    .sort((p, q) => q.iou - p.iou)
    .slice(0, count)
    .map((p) => p.angleDeg);
}

/** The best candidates, at most `count`, no two within SAME_HYPOTHESIS_DEG of each other. */
function distinctBest(candidates: Candidate[], count: number): Candidate[] {
  const sorted = [...candidates].sort((p, q) => q.verification.score - p.verification.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const angle = paramsFromAffine(c.matrix).angleDeg;
    if (kept.every((k) => angleGap(paramsFromAffine(k.matrix).angleDeg, angle) > SAME_HYPOTHESIS_DEG)) kept.push(c);
    if (kept.length === count) break;
  }
  return kept;
}

function angleGap(a: number, b: number): number {
  const d = (((a - b) % 360) + 360) % 360;
  return Math.min(d, 360 - d);
}

function dedupeAngles(angles: number[]): number[] {
  const kept: number[] = [];
  for (const a of angles) if (kept.every((k) => angleGap(a, k) > SAME_HYPOTHESIS_DEG / 2)) kept.push(a);
  return kept;
}

function maskIou(a: Uint8Array, b: Uint8Array): number {
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
