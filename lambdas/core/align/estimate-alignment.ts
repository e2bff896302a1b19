// Robust similarity alignment of one image onto the reference.
//
// Screws are nearly symmetric and their threads periodic, so local evidence (feature matches, intensity
// gradients) is happy to flip a screw head-to-tip or slide it by one thread pitch. The global silhouette is not:
// 1. search: rotation over the full circle at the coarsest level (centroids matched, scale from the area ratio),
//    scored by silhouette IoU; its best peaks plus both principal-axis hypotheses become candidates;
// 2. each candidate is refined on blurred silhouettes (coarse level, then the best two at the middle level) and
//    verified by IoU + NCC of band-passed intensities; the best one wins, and the margin to the best hypothesis
//    pointing elsewhere is its ambiguity;
// 3. the winner is refined at the finest level on the silhouette;
// 4. only where the finest outline fits worse than UNAMBIGUOUS_IOU (featuresWanted): AKAZE keypoints/descriptors
//    of the image's object (reference's cached) are matched by Hamming kNN + ratio test among the reference
//    keypoints near where that pose sends them, a seeded 2-point similarity RANSAC
//    (restricted to poses near it) fits the matches, and its pose is kept only if it verifies at least as well
//    and costs no more silhouette IoU than the intensity step may;
// 5. band-passed intensities refine the pose (gain/bias, robust), kept on the same terms; a RANSAC pose refused
//    in 4 gets the same refinement as a competing candidate.
// Only the final IoU check touches full resolution (and only the objects' boxes); the finest level and AKAZE work at 512 px on the long side,
// and every support (refinement, NCC) is an even subset of at most MAX_SUPPORT_PIXELS, so the cost per image
// follows the levels' sizes, not the frame's. estimateAlignment is the sequence of the stages' functions below;
// each result carries the wall time of each stage (profile; bench/align-speed.ts prints it).
//
// What each stage contributes, measured (bench/align-quality.ts on the 320 real training screws; the
// estimate-alignment unit test on 48 generated objects):
// - 1-3 decide everything that matters on the real screws: 320/320 aligned, no flip, no slide; PROTOCOL
//   silhouette IoU mean 0.883, min 0.547, p5 0.773; synthetic objects within 0.35 px RMS (1-3 and 5).
// - 4 (measured with the parent's aligner, where it ran on every image): ~170 keypoints per screw, ~46 guided matches, a RANSAC model (>= 15 inliers, median
//   25) on 170 of 320. Global matching (ratio test over all keypoints) gives one (>= 8) on 15 of 40: the thread's
//   crests veto each other, hence the guided matching. Where the model is strong (>= 20 inliers) it puts the
//   scale at 0.997 +- 0.005 where the silhouette says 0.986 +- 0.018 (the lamp moves the thresholded outline),
//   so it trades silhouette IoU for texture agreement: kept as it is, it would win the verification score on
//   109 screws (PROTOCOL IoU mean 0.885, but union 13.56% instead of 13.36%, max containment 0.12% instead of
//   0.02%, and after HEVC one frame's IoU fell from 0.70 to 0.46, under the 0.5 floor). With the IoU guard it is
//   kept on 13 screws (9 as is, 4 through step 5) and no PROTOCOL figure moves. On the synthetic objects its
//   model is within 1 px of the truth on most images (median ~0.3 px) but rarely beats the silhouette's
//   ~0.2 px; it is kept on 15 of 48 (mean corner error 0.174 -> 0.165 px on the screw, 0.100 -> 0.106 px on
//   the bracket). Cost: alignment 0.21 -> 0.32 s per 1024 px screw (20 screws, same process and load): AKAZE
//   on the object's crop 0.05 s, matching, RANSAC, verification and the competing refinement the rest. Hence
//   the gate: the synthetic objects' outlines fit at IoU > 0.9 and skip it (the unit test forces it with
//   features: 'always' to check its models); on the real screws it runs where the outline fits worst.
// - 5 is kept on ~70 real screws and brings synthetic objects to ~0.03-0.1 px where it is kept.
import { AlignmentError } from '../../ground/errors.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { affineAtFullSize, affineAtReducedSize, applyAffine, invertAffine, paramsFromAffine, similarityAbout, type Point } from './affine.ts';
import { maskPose, type MaskPose } from './coarse-pose.ts';
import { detectFeatures, matchFeatures } from './features.ts';
import { buildPyramid, type PyramidLevelWithGradients } from './pyramid.ts';
import { boxAbove, type Box, type FloatPlane } from './raster.ts';
import { FEATURE_SIDE, type ReferenceLevel, type ReferenceModel } from './reference.ts';
import { refineSimilarity } from './refine.ts';
import { estimateSimilarityRansac } from './similarity-ransac.ts';
import { combinedScore, warpedByteMaskIou, warpedMaskIou, warpedNcc, type Verification } from './hypothesis-score.ts';

export interface AlignmentResult {
  /** maps the image's pixels into reference coordinates */
  matrix: Affine;
  scale: number;
  angleDeg: number;
  tx: number;
  ty: number;
  /** 0..1, higher is better; the one number recorded per image in the manifest: 0.75 IoU + 0.25 max(0, NCC) */
  score: number;
  /** IoU of the warped object mask with the reference mask (full resolution) */
  silhouetteIou: number;
  /** normalised cross-correlation of the warped image vs the reference inside the reference mask, on
   *  band-passed intensities (the broad shading follows the lamp, not the object) */
  ncc: number;
  /** which stages produced the matrix, e.g. 'silhouette+akaze+intensity' */
  method: string;
  /** what the AKAZE + RANSAC stage found and whether its pose was kept (absent when it did not run) */
  features?: FeatureStageReport;
  /** false = cannot be aligned with confidence; the matrix is then only the best guess */
  ok: boolean;
  /** wall milliseconds per stage (benchmarks read it; absent on an early rejection) */
  profile?: AlignmentProfile;
  /** why not ok (without the file name: callers add it) */
  reason?: string;
}

export interface EstimateOptions {
  /** file name, for messages */
  name?: string;
  /** skip the AKAZE stage and the final intensity refinement (silhouette only) */
  silhouetteOnly?: boolean;
  /** skip the AKAZE + RANSAC stage */
  noFeatures?: boolean;
  /**
   * When the AKAZE + RANSAC stage runs: 'auto' (default) only where the silhouette leaves doubt (see
   * featuresWanted), 'always' on every image (tests of the stage itself; benchmarks of what it would change).
   */
  features?: 'auto' | 'always';
}

export interface FeatureStageReport {
  /** AKAZE keypoints on the image's object (the reference's are cached) */
  keypoints: number;
  /** matches that passed the ratio test among the reference keypoints near the predicted position */
  matches: number;
  /** RANSAC inliers (0: no model) */
  inliers: number;
  /** the RANSAC model (image -> reference, full-size pixels), when there was one */
  model?: Affine;
  /** largest distance between where the RANSAC model and the pose it started from send the object's box
   *  corners, full-size pixels (NaN: no model) */
  shiftPx: number;
  /** verification score of the RANSAC model minus that of the pose it started from (NaN: not verified) */
  scoreGain: number;
  /**
   * accepted: the RANSAC pose verified at least as well as the silhouette's and was kept (the intensity step
   * starts from it); refined: it did not, but the intensity refinement started from it beat every other
   * candidate; worse: refused, and so was its refinement; too-far: the model left the neighbourhood of the
   * silhouette pose; no-model: RANSAC found fewer than MIN_FEATURE_INLIERS inliers; too-few-keypoints.
   */
  outcome: 'accepted' | 'refined' | 'too-few-keypoints' | 'no-model' | 'too-far' | 'worse';
}

/** Rotation search step at the coarsest level. */
const SEARCH_STEP_DEG = 5;
/** Search peaks refined besides the two principal-axis hypotheses. */
const SEARCH_PEAKS = 3;
/** Objects rounder than this (length/width from moments) have no principal axis worth a hypothesis. */
const MIN_AXIS_ELONGATION = 1.2;
/** Candidates closer than this in angle are the same hypothesis. */
const SAME_HYPOTHESIS_DEG = 12;
/** Refinement stops when no support pixel moves more than this (level pixels). */
const COARSE_TOLERANCE_PX = 0.05;
const FINE_TOLERANCE_PX = 0.01;
/** The intensity refinement is kept only if it costs at most this much silhouette IoU. */
const INTENSITY_MAX_IOU_LOSS = 0.005;
/** Allowed object size ratio image/reference (linear). */
const SCALE_RANGE: [number, number] = [0.6, 1.6];
/**
 * Acceptance: full-resolution IoU of the warped object mask with the reference's. The 320 real training
 * screws score 0.81-0.97 (median 0.92), the 160 test screws 0.75 and up (a highlight the threshold segmenter
 * cuts out); another shape 0.4 at best, noise under a blob mask 0.25. NCC takes no part in the decision: on
 * the real screws it ranges from ~0 to 0.7 with the lamp's angle to the screw.
 */
export const MIN_SILHOUETTE_IOU = 0.7;
/**
 * A pose pointing elsewhere (e.g. the flipped screw) that verifies within this margin of the best makes the
 * result ambiguous, unless the best one's silhouette fits so well that nothing else could (IoU >= 0.9). On the
 * 480 real screws (train and test) the runner-up trails by 0.08 or more; an ellipse mask on noise ties within 0.02.
 */
const AMBIGUITY_MARGIN = 0.03;
const UNAMBIGUOUS_IOU = 0.9;
/**
 * AKAZE + RANSAC, in pixels of the feature level (FEATURE_SIDE on the long side; x2 at full size for the
 * 1024 px screws). A reference keypoint is a candidate partner only within FEATURE_RADIUS of where the current
 * pose sends the image's keypoint: the real screws' thread pitch is ~33 px at that level (66 px at full size,
 * autocorrelation along the axis), so a crest never pairs with the next one; the synthetic screw's is ~16 px at
 * 448 px.
 */
const FEATURE_RADIUS = 6;
const RANSAC_THRESHOLD = 1.5;
const MIN_FEATURE_INLIERS = 15;
/** The RANSAC pose must stay this close to the pose it started from (object box corners), and within: */
const FEATURE_MAX_SHIFT = 6;
const FEATURE_MAX_ANGLE_DEG = 3;
const FEATURE_MAX_SCALE_CHANGE = 0.03;
const RANSAC_SEED = 0x5eed;
/**
 * The RANSAC pose may cost at most this much silhouette IoU (fine level) on top of verifying at least as well:
 * the intensity step's guard. Without it (the combined score alone) the AKAZE pose is kept on 109 of the 320
 * real screws and moves the union, the containment and, after HEVC, one frame under the IoU floor (see above).
 */
const FEATURE_MAX_IOU_LOSS = INTENSITY_MAX_IOU_LOSS;

interface Candidate {
  matrix: Affine;
  verification: Verification;
}

/** The stages of estimateAlignment, in the order they run. */
export const ALIGNMENT_STAGES = ['pyramid', 'search', 'candidates', 'fine', 'features', 'intensity', 'final'] as const;
export type AlignmentStage = (typeof ALIGNMENT_STAGES)[number];
/** Wall milliseconds spent in each stage of one estimate (a stage that did not run is absent). */
export type AlignmentProfile = Partial<Record<AlignmentStage, number>>;

/** Times the stages of one estimate. */
class StageClock {
  readonly profile: AlignmentProfile = {};
  private last = performance.now();
  /** Charges the time since the previous lap to `stage`. */
  lap(stage: AlignmentStage): void {
    const now = performance.now();
    this.profile[stage] = (this.profile[stage] ?? 0) + (now - this.last);
    this.last = now;
  }
}

/** The image side of one estimate, and the reference's levels it is compared with. */
interface Problem {
  ref: ReferenceModel;
  refPose: MaskPose;
  imgPose: MaskPose;
  /** linear size ratio reference / image, from the mask areas */
  areaScale: number;
  levels: { ref: ReferenceLevel; img: PyramidLevelWithGradients }[];
}

export async function estimateAlignment(ref: ReferenceModel, image: Image, mask: Mask, opts: EstimateOptions = {}): Promise<AlignmentResult> {
  const name = opts.name ?? 'image';
  const clock = new StageClock();
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
  const depth = Math.min(imgLevels.length, internals.levels.length);
  const problem: Problem = { ref, refPose, imgPose, areaScale, levels: Array.from({ length: depth }, (_, i) => ({ ref: internals.levels[i], img: imgLevels[i] })) };
  clock.lap('pyramid');

  const starts = searchStarts(problem);
  clock.lap('search');
  const { best, rival } = chooseCandidate(problem, starts);
  clock.lap('candidates');
  const fine = problem.levels[depth - 1];
  const verifyFine = (m: Affine) => verify(fine.ref, fine.img, m);
  let current = refineFine(problem, best);
  let method = 'silhouette';
  clock.lap('fine');

  const silhouette = current;
  let features: { report: FeatureStageReport; model?: Affine } | undefined;
  if (!opts.silhouetteOnly && !opts.noFeatures && (opts.features === 'always' || featuresWanted(current))) {
    const stage = await featureStage(ref, image, mask, current, verifyFine);
    features = stage;
    if (stage.accepted) {
      current = stage.accepted;
      method += '+akaze';
    }
    clock.lap('features');
  }
  if (!opts.silhouetteOnly) {
    const refined = intensityStage(fine, silhouette, current, features);
    current = refined.current;
    if (refined.method) method = refined.method === '+intensity' ? method + refined.method : refined.method;
    clock.lap('intensity');
  }

  const result = await finish(ref, mask, current, method, features?.report, best, rival);
  clock.lap('final');
  return { ...result, profile: clock.profile };
}

/**
 * 1. Rotation search on the coarsest silhouettes (centroids matched, scale from the areas): the best peaks of
 * the IoU over the full circle, plus both principal-axis hypotheses when the objects are elongated.
 */
function searchStarts({ refPose, imgPose, areaScale, levels }: Problem): number[] {
  const coarse = levels[0];
  const refInside = insideOf(coarse.ref.mask);
  const imgInside = insideOf(coarse.img.mask);
  const searchAngles: { angleDeg: number; iou: number }[] = [];
  for (let angleDeg = 0; angleDeg < 360; angleDeg += SEARCH_STEP_DEG) {
    const m = similarityAbout(imgPose.centroid, refPose.centroid, areaScale, angleDeg);
    searchAngles.push({ angleDeg, iou: nearestIou(refInside, coarse.ref.maskBox, imgInside, toLevel(m, coarse.img, coarse.ref)) });
  }
  const startAngles = [...searchPeaks(searchAngles, SEARCH_PEAKS)];
  if (Math.min(refPose.elongation, imgPose.elongation) >= MIN_AXIS_ELONGATION) {
    const axisDelta = refPose.axisDeg - imgPose.axisDeg;
    startAngles.push(axisDelta, axisDelta + 180);
  }
  return dedupeAngles(startAngles);
}

/**
 * 2. Every start refined on the coarse silhouettes; the best two distinct poses go on to the middle level,
 * where the winner is chosen and the other one (the rival) measures the ambiguity.
 */
function chooseCandidate({ refPose, imgPose, areaScale, levels }: Problem, startAngles: number[]): { best: Candidate; rival?: Candidate } {
  const coarse = levels[0];
  const coarseCandidates: Candidate[] = [];
  for (const angleDeg of startAngles) {
    const start = similarityAbout(imgPose.centroid, refPose.centroid, areaScale, angleDeg);
    const m = refineSilhouette(coarse.ref, coarse.img, start, COARSE_TOLERANCE_PX);
    coarseCandidates.push({ matrix: m, verification: verify(coarse.ref, coarse.img, m) });
  }
  const middleIndex = Math.min(1, levels.length - 1);
  const middle = levels[middleIndex];
  const finalists = distinctBest(coarseCandidates, 2).map((c) => {
    const m = middleIndex > 0 ? refineSilhouette(middle.ref, middle.img, c.matrix, COARSE_TOLERANCE_PX) : c.matrix;
    return { matrix: m, verification: verify(middle.ref, middle.img, m) };
  });
  finalists.sort((p, q) => q.verification.score - p.verification.score);
  const [best, rival] = finalists;
  return rival ? { best, rival } : { best };
}

/** 3. The winner refined on the finest level's silhouette, kept only if it verifies better. */
function refineFine({ levels }: Problem, best: Candidate): Candidate {
  const fine = levels[levels.length - 1];
  const current: Candidate = { matrix: best.matrix, verification: verify(fine.ref, fine.img, best.matrix) };
  if (levels.length - 1 <= Math.min(1, levels.length - 1)) return current;
  const m = refineSilhouette(fine.ref, fine.img, current.matrix, FINE_TOLERANCE_PX);
  const v = verify(fine.ref, fine.img, m);
  return v.score >= current.verification.score ? { matrix: m, verification: v } : current;
}

/**
 * 4. AKAZE + RANSAC is the slowest stage (AKAZE's nonlinear scale space over the object at 512 px) and, on the
 * real screws, rarely decides anything: with the parent's aligner it found a model on 170 of 320 and was kept on
 * 13, moving no PROTOCOL figure. So it runs only where the silhouette leaves doubt: the finest level's outline
 * fits worse than UNAMBIGUOUS_IOU (the fit at which the ambiguity check trusts the silhouette alone). A rival
 * pose elsewhere (a round bottle has one at every angle) is no reason: the guided matching only looks near the
 * current pose and cannot decide between the two.
 */
function featuresWanted(fine: Candidate): boolean {
  return fine.verification.iou < UNAMBIGUOUS_IOU;
}

/**
 * 5. Intensities, from the pose so far; and from a RANSAC pose that was refused on its own, as a competing
 * candidate (the intensity fit may keep what the features found and win the outline back). The thread and
 * edges may sharpen the pose, but the silhouette has the last word: on real screws the lamp and the screw's
 * roll change how the thread looks, and an intensity fit may trade outline for texture.
 * `method` is '+intensity' (appended), a whole replacement, or absent (nothing kept).
 */
function intensityStage(
  fine: { ref: ReferenceLevel; img: PyramidLevelWithGradients },
  silhouette: Candidate,
  base: Candidate,
  features: { report: FeatureStageReport; model?: Affine } | undefined,
): { current: Candidate; method?: string } {
  let current = base;
  let method: string | undefined;
  const m = refineIntensity(fine.ref, fine.img, base.matrix);
  const v = verify(fine.ref, fine.img, m);
  if (v.score > base.verification.score && v.iou >= base.verification.iou - INTENSITY_MAX_IOU_LOSS) {
    current = { matrix: m, verification: v };
    method = '+intensity';
  }
  if (features?.model && features.report.outcome === 'worse') {
    const mf = refineIntensity(fine.ref, fine.img, features.model);
    const vf = verify(fine.ref, fine.img, mf);
    if (vf.score > current.verification.score && vf.iou >= silhouette.verification.iou - INTENSITY_MAX_IOU_LOSS) {
      current = { matrix: mf, verification: vf };
      method = 'silhouette+akaze+intensity';
      features.report.outcome = 'refined';
    }
  }
  return method ? { current, method } : { current };
}

/** The full-resolution IoU check and the verdict: IoU floor, scale range, ambiguity with the rival pose. */
async function finish(
  ref: ReferenceModel,
  mask: Mask,
  current: Candidate,
  method: string,
  featureReport: FeatureStageReport | undefined,
  best: Candidate,
  rival: Candidate | undefined,
): Promise<AlignmentResult> {
  const matrix = current.matrix;
  const params = paramsFromAffine(matrix);
  const silhouetteIou = warpedByteMaskIou(ref.internals.mask, ref.internals.maskBox, mask, boxAbove(mask, 0), matrix);
  const ncc = current.verification.ncc;
  const score = combinedScore(silhouetteIou, ncc);
  const result: AlignmentResult = { matrix, ...params, score, silhouetteIou, ncc, method, ...(featureReport ? { features: featureReport } : {}), ok: true };

  const reasons: string[] = [];
  if (silhouetteIou < MIN_SILHOUETTE_IOU) reasons.push(`silhouette IoU ${silhouetteIou.toFixed(3)} < ${MIN_SILHOUETTE_IOU}`);
  if (params.scale < SCALE_RANGE[0] || params.scale > SCALE_RANGE[1]) reasons.push(`scale ${params.scale.toFixed(3)} out of range`);
  if (rival && rival.verification.score > best.verification.score - AMBIGUITY_MARGIN && best.verification.iou < UNAMBIGUOUS_IOU) {
    const gap = angleGap(paramsFromAffine(rival.matrix).angleDeg, paramsFromAffine(best.matrix).angleDeg);
    reasons.push(`ambiguous: a pose ${gap.toFixed(0)} deg away scores ${rival.verification.score.toFixed(3)} vs ${best.verification.score.toFixed(3)}`);
  }
  if (reasons.length > 0) return { ...result, ok: false, reason: reasons.join('; ') };
  return result;
}

/**
 * AKAZE keypoints on the image's object, matched to the reference's near where `start` sends them, and a
 * similarity RANSAC over the matches restricted to poses near `start`. The model is accepted only if it stays
 * near `start` and verifies at least as well (and its silhouette IoU drops no more than the intensity step may).
 */
async function featureStage(
  ref: ReferenceModel,
  image: Image,
  mask: Mask,
  start: Candidate,
  verifyAt: (m: Affine) => Verification,
): Promise<{ accepted?: Candidate; model?: Affine; report: FeatureStageReport }> {
  const refFeatures = ref.internals.features;
  const imgFeatures = await detectFeatures(image, mask, { side: FEATURE_SIDE });
  const toFull = 1 / imgFeatures.scale;
  const report: FeatureStageReport = { keypoints: imgFeatures.count, matches: 0, inliers: 0, shiftPx: NaN, scoreGain: NaN, outcome: 'too-few-keypoints' };
  if (imgFeatures.count < MIN_FEATURE_INLIERS || refFeatures.count < MIN_FEATURE_INLIERS) return { report };
  const matches = await matchFeatures(imgFeatures, refFeatures, { queryToTrain: start.matrix, radiusPx: FEATURE_RADIUS * toFull, mode: 'guided' });
  report.matches = matches.length;
  const corners = boxCorners(imgFeatures.points);
  const startParams = paramsFromAffine(start.matrix);
  const near = (m: Affine): boolean => {
    const p = paramsFromAffine(m);
    return (
      angleGap(p.angleDeg, startParams.angleDeg) <= FEATURE_MAX_ANGLE_DEG &&
      Math.abs(p.scale / startParams.scale - 1) <= FEATURE_MAX_SCALE_CHANGE &&
      maxShift(m, start.matrix, corners) <= FEATURE_MAX_SHIFT * toFull
    );
  };
  const ransac = estimateSimilarityRansac(
    matches.map((m) => m.query),
    matches.map((m) => m.train),
    { thresholdPx: RANSAC_THRESHOLD * toFull, minInliers: MIN_FEATURE_INLIERS, seed: RANSAC_SEED, plausible: near },
  );
  if (!ransac) return { report: { ...report, outcome: 'no-model' } };
  report.inliers = ransac.inliers.length;
  report.model = ransac.matrix;
  report.shiftPx = maxShift(ransac.matrix, start.matrix, corners);
  if (!near(ransac.matrix)) return { report: { ...report, outcome: 'too-far' } };
  const v = verifyAt(ransac.matrix);
  report.scoreGain = v.score - start.verification.score;
  if (v.score < start.verification.score || v.iou < start.verification.iou - FEATURE_MAX_IOU_LOSS) return { model: ransac.matrix, report: { ...report, outcome: 'worse' } };
  return { accepted: { matrix: ransac.matrix, verification: v }, report: { ...report, outcome: 'accepted' } };
}

/** The corners of the points' bounding box. */
function boxCorners(points: readonly Point[]): Point[] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
}

/** The largest distance between where two matrices send the same points. */
function maxShift(m1: Affine, m2: Affine, points: readonly Point[]): number {
  let worst = 0;
  for (const p of points) {
    const [x1, y1] = applyAffine(m1, p);
    const [x2, y2] = applyAffine(m2, p);
    worst = Math.max(worst, Math.hypot(x1 - x2, y1 - y2));
  }
  return worst;
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

/** The level mask thresholded at 0.5, one byte per pixel. */
function insideOf(mask: FloatPlane): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] > 0.5 ? 1 : 0;
  return { width: mask.width, height: mask.height, data };
}

/**
 * IoU of two thresholded masks under imageToRef, the image sampled at the nearest pixel: what the rotation
 * search needs to rank 72 angles (its peaks are refined and verified with the exact measure afterwards). The
 * intersection is counted over the reference's box only; the image's area is counted once, unwarped, times the
 * similarity's area factor.
 */
function nearestIou(ref: { width: number; height: number; data: Uint8Array }, refBox: Box | null, img: { width: number; height: number; data: Uint8Array }, imageToRef: Affine): number {
  if (!refBox) return 0;
  const w = invertAffine(imageToRef);
  let refArea = 0;
  let inter = 0;
  for (let y = refBox.y0; y <= refBox.y1; y++) {
    let u = w[0] * refBox.x0 + w[1] * y + w[2] + 0.5;
    let v = w[3] * refBox.x0 + w[4] * y + w[5] + 0.5;
    const row = y * ref.width;
    for (let x = refBox.x0; x <= refBox.x1; x++, u += w[0], v += w[3]) {
      if (ref.data[row + x] === 0) continue;
      refArea++;
      if (u >= 0 && v >= 0 && u < img.width && v < img.height && img.data[Math.floor(v) * img.width + Math.floor(u)] !== 0) inter++;
    }
  }
  let imgArea = 0;
  for (let i = 0; i < img.data.length; i++) imgArea += img.data[i];
  const det = Math.abs(imageToRef[0] * imageToRef[4] - imageToRef[1] * imageToRef[3]);
  const union = refArea + imgArea * det - inter;
  return union > 0 ? inter / union : 0;
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
