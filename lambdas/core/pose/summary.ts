// The training set's pose distribution and how far a new image's pose lies from it.
//
// Alignment maps every image onto the reference, so a part that sits shifted or rotated comes out looking in
// place; only its pose tells. A pose is where the reference's object lands in the image: the position of the
// reference object's centroid (x, y, image pixels), its rotation (degrees) and log scale, read from the inverse
// of the image -> reference matrix the aligner found. Each component gets a robust centre (median) and spread
// (1.4826 MAD, floored at the resolution of the measurement: a 1-pixel quantisation, std 1/sqrt(12) px, at the
// object's farthest point for rotation and scale). The distance of a pose is max_k |z_k|, z_k = (x_k - centre_k) /
// spread_k: each component on its own scale, and bounded where a component is spread evenly (a part lying
// anywhere), so that the threshold read off a few dozen training poses stays close to its limit. The flag threshold is read off the
// training set itself: the leave-one-out distance of every training pose, and the rank-k of them with
// k = ceil((n + 1)(1 - alpha)) (split-conformal: a new pose from the training distribution exceeds it with
// probability at most (n + 1 - k) / (n + 1)); with fewer than 1/alpha - 1 frames that is the maximum.
// Angles wrap. When good training parts appear turned by 180 degrees (at least FLIP_EVIDENCE_FRAMES of them
// near the centre + 180), the part's two ends are not told apart in practice and angles are compared modulo 180.
// How a pose is measured follows the dataset's alignment mode (decide/alignment-mode.ts): similarity: the aligner's
// matrix; none (a registered dataset, a part in a fixed pose: exactly where a misplaced part is the defect): the
// same aligner, run to measure only (the images are not moved); translation (the data found rotation not
// observable, e.g. a round part): the object mask's moments against the reference's (pose/moments.ts: centroid,
// principal axis modulo 180 degrees, area). Summaries of translation-mode datasets written before the moments took
// the translation's matrix ('translation': position only; rotation and scale are not tested, z null).
import { z } from 'zod';
import { applyAffine, invertAffine, paramsFromAffine, type Point } from '../align/affine.ts';
import { maskPose } from '../align/coarse-pose.ts';
import type { Affine, Mask } from '../types.ts';
import { leaveOneOutZ, robustStats, wrappedDifference, linearDifference, type Difference } from './robust.ts';

/** Target rate of good images flagged; the threshold's rank is derived from it and the training count. */
export const POSE_FLAG_ALPHA = 0.01;
/** Training frames turned by ~180 degrees needed to treat the part as two-ended-alike (one may be a misplaced one). */
export const FLIP_EVIDENCE_FRAMES = 2;
/** Standard deviation of a uniform 1-pixel quantisation. */
export const QUANTISATION_SIGMA_PX = 1 / Math.sqrt(12);

export const POSE_COMPONENTS = ['x', 'y', 'angleDeg', 'logScale'] as const;
export type PoseComponent = (typeof POSE_COMPONENTS)[number];

/** How the poses were measured: the aligner's similarity, the object mask's moments, or its centroid only (older summaries). */
export const POSE_MODELS = ['similarity', 'moments', 'translation'] as const;
export type PoseModelKind = (typeof POSE_MODELS)[number];
const TESTED: Record<PoseModelKind, readonly PoseComponent[]> = { similarity: POSE_COMPONENTS, moments: POSE_COMPONENTS, translation: ['x', 'y'] };

const componentSchema = z.strictObject({ centre: z.number(), mad: z.number().nonnegative(), scale: z.number().positive(), floor: z.number().positive() });

export const PoseSummarySchema = z.strictObject({
  /** names the rule, so a later change of rule is visible in old manifests */
  method: z.literal('max-robust-z-loo-conformal'),
  /** what a pose holds (POSE_MODELS); absent in summaries written before it existed: similarity */
  model: z.enum(POSE_MODELS).optional(),
  /** training frames whose pose was used (aligned, ok) and those left out */
  frames: z.number().int().min(2),
  excluded: z.number().int().nonnegative(),
  /** the reference object's centroid, reference pixels: the point whose position is the pose's x, y */
  anchor: z.tuple([z.number(), z.number()]),
  /** farthest object pixel from the anchor (the lever arm of rotation and scale) and length along the principal axis */
  leverPx: z.number().positive(),
  lengthPx: z.number().positive(),
  angle: z.strictObject({ periodDeg: z.union([z.literal(360), z.literal(180)]), flippedFrames: z.number().int().nonnegative() }),
  components: z.strictObject({ x: componentSchema, y: componentSchema, angleDeg: componentSchema, logScale: componentSchema }),
  /** alignment score of the training frames (information only; the fixed gate stays the aligner's) */
  score: z.strictObject({ median: z.number(), mad: z.number().nonnegative() }),
  threshold: z.strictObject({
    value: z.number().nonnegative(),
    alpha: z.number().positive().max(1),
    /** rank (1-based) of the threshold among the n leave-one-out training distances */
    rank: z.number().int().positive(),
    /** (n + 1 - rank) / (n + 1): the rate of good images flagged the rule guarantees */
    boundRate: z.number().min(0).max(1),
    /** median leave-one-out training distance, for scale */
    trainingMedian: z.number().nonnegative(),
  }),
});
export type PoseSummary = z.output<typeof PoseSummarySchema>;

/** The components a summary's distance is taken over. */
export function testedComponents(summary: Pick<PoseSummary, 'model'>): readonly PoseComponent[] {
  return TESTED[summary.model ?? 'similarity'];
}

export interface Pose {
  x: number;
  y: number;
  angleDeg: number;
  scale: number;
}

/** What transform reports per image: its pose, how far it lies from the training poses, and the flag. */
export const PoseReportSchema = z.strictObject({
  x: z.number(),
  y: z.number(),
  angleDeg: z.number(),
  scale: z.number(),
  /** the anchor's distance from the training centre, % of the object's length */
  shiftPct: z.number(),
  /** signed angle from the training centre (modulo the period), degrees */
  turnDeg: z.number(),
  /** per component; null for one the pose model does not measure (rotation and scale in translation mode) */
  z: z.strictObject({ x: z.number(), y: z.number(), angleDeg: z.number().nullable(), logScale: z.number().nullable() }),
  distance: z.number(),
  threshold: z.number(),
  flagged: z.boolean(),
  /** the component with the largest |z| */
  main: z.enum(POSE_COMPONENTS),
});
export type PoseReport = z.output<typeof PoseReportSchema>;

export interface FramePoseInput {
  transform: Affine | null;
  alignment: { ok: boolean; score: number } | null;
}

export interface ObjectGeometry {
  anchor: Point;
  leverPx: number;
  lengthPx: number;
}

export function objectGeometry(mask: Mask): ObjectGeometry | null {
  const pose = maskPose(mask);
  if (pose.area === 0) return null;
  const [cx, cy] = pose.centroid;
  const ux = Math.cos((pose.axisDeg * Math.PI) / 180);
  const uy = Math.sin((pose.axisDeg * Math.PI) / 180);
  let lever = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x] === 0) continue;
      const dx = x - cx;
      const dy = y - cy;
      lever = Math.max(lever, Math.hypot(dx, dy));
      const along = dx * ux + dy * uy;
      lo = Math.min(lo, along);
      hi = Math.max(hi, along);
    }
  }
  return { anchor: [cx, cy], leverPx: Math.max(lever, 1), lengthPx: Math.max(hi - lo + 1, 1) };
}

/** The pose of the reference's object in an image whose image -> reference matrix is `matrix`. */
export function poseFromMatrix(matrix: Affine, anchor: Point): Pose {
  const toImage = invertAffine(matrix);
  const [x, y] = applyAffine(toImage, anchor);
  const p = paramsFromAffine(toImage);
  return { x, y, angleDeg: p.angleDeg, scale: p.scale };
}

function componentValues(p: Pose): Record<PoseComponent, number> {
  return { x: p.x, y: p.y, angleDeg: p.angleDeg, logScale: Math.log(p.scale) };
}

function differenceOf(c: PoseComponent, periodDeg: number): Difference {
  return c === 'angleDeg' ? wrappedDifference(periodDeg) : linearDifference;
}

/** Angles unwrapped around their circular mean, so that the linear median and LOO apply. */
function unwrapAngles(angles: number[], periodDeg: number): number[] {
  const k = (2 * Math.PI) / periodDeg;
  let s = 0;
  let c = 0;
  for (const a of angles) {
    s += Math.sin(a * k);
    c += Math.cos(a * k);
  }
  const ref = Math.atan2(s, c) / k;
  const wrap = wrappedDifference(periodDeg);
  return angles.map((a) => ref + wrap(a, ref));
}

/**
 * The pose distribution of the training frames (aligned and ok) around the reference's object; null when fewer
 * than two frames have a pose or the reference mask is empty (nothing to compare a test pose with).
 */
export function summarizePoses(
  frames: readonly FramePoseInput[],
  referenceMask: Mask,
  opts: { model?: PoseModelKind; alpha?: number } = {},
): PoseSummary | null {
  const model = opts.model ?? 'similarity';
  const alpha = opts.alpha ?? POSE_FLAG_ALPHA;
  const tested = TESTED[model];
  const geometry = objectGeometry(referenceMask);
  if (!geometry) return null;
  const used = frames.filter((f) => f.transform && f.alignment?.ok);
  const n = used.length;
  if (n < 2) return null;
  const poses = used.map((f) => componentValues(poseFromMatrix(f.transform as Affine, geometry.anchor)));
  const floors: Record<PoseComponent, number> = {
    x: QUANTISATION_SIGMA_PX,
    y: QUANTISATION_SIGMA_PX,
    angleDeg: ((QUANTISATION_SIGMA_PX / geometry.leverPx) * 180) / Math.PI,
    logScale: QUANTISATION_SIGMA_PX / geometry.leverPx,
  };

  // Flips: frames nearer centre + 180 than the centre, the centre taken modulo 180.
  const rawAngles = poses.map((p) => p.angleDeg);
  const half = robustStats(unwrapAngles(rawAngles, 180), floors.angleDeg, wrappedDifference(180));
  const wrap360 = wrappedDifference(360);
  const flippedFrames = rawAngles.filter((a) => Math.abs(wrap360(a, half.centre)) > 90).length;
  const minority = Math.min(flippedFrames, n - flippedFrames);
  // a mask's axis has no direction: moments give angles modulo 180 whatever the training parts show
  const periodDeg: 360 | 180 = model === 'moments' || minority >= FLIP_EVIDENCE_FRAMES ? 180 : 360;

  const values: Record<PoseComponent, number[]> = {
    x: poses.map((p) => p.x),
    y: poses.map((p) => p.y),
    angleDeg: unwrapAngles(rawAngles, periodDeg),
    logScale: poses.map((p) => p.logScale),
  };
  const components = {} as PoseSummary['components'];
  const loo = new Float64Array(n);
  for (const c of POSE_COMPONENTS) {
    const diff = differenceOf(c, periodDeg);
    const s = robustStats(values[c], floors[c], diff);
    components[c] = { centre: c === 'angleDeg' ? wrap360(s.centre, 0) : s.centre, mad: s.mad, scale: s.scale, floor: floors[c] };
    if (!tested.includes(c)) continue;
    const zs = leaveOneOutZ(values[c], floors[c], diff);
    for (let i = 0; i < n; i++) loo[i] = Math.max(loo[i], zs[i]);
  }
  const distances = loo.sort();
  const rank = Math.min(n, Math.ceil((n + 1) * (1 - alpha)));
  const scores = used.map((f) => f.alignment!.score);
  const scoreStats = robustStats(scores, 0);
  return {
    method: 'max-robust-z-loo-conformal',
    model,
    frames: n,
    excluded: frames.length - n,
    anchor: geometry.anchor,
    leverPx: geometry.leverPx,
    lengthPx: geometry.lengthPx,
    angle: { periodDeg, flippedFrames: periodDeg === 180 && model !== 'moments' ? minority : 0 },
    components,
    score: { median: scoreStats.centre, mad: scoreStats.mad },
    threshold: {
      value: distances[rank - 1],
      alpha,
      rank,
      boundRate: (n + 1 - rank) / (n + 1),
      trainingMedian: distances[n >> 1],
    },
  };
}

/** How far `matrix`'s pose lies from the training poses, and whether it is flagged. */
export function poseReport(summary: PoseSummary, matrix: Affine): PoseReport {
  const pose = poseFromMatrix(matrix, summary.anchor);
  const v = componentValues(pose);
  const zs: PoseReport['z'] = { x: 0, y: 0, angleDeg: null, logScale: null };
  let main: PoseComponent = 'x';
  let distance = 0;
  for (const c of testedComponents(summary)) {
    const s = summary.components[c];
    const zc = differenceOf(c, summary.angle.periodDeg)(v[c], s.centre) / s.scale;
    zs[c] = zc;
    if (Math.abs(zc) > distance) {
      distance = Math.abs(zc);
      main = c;
    }
  }
  const dx = pose.x - summary.components.x.centre;
  const dy = pose.y - summary.components.y.centre;
  return {
    ...pose,
    shiftPct: (100 * Math.hypot(dx, dy)) / summary.lengthPx,
    turnDeg: differenceOf('angleDeg', summary.angle.periodDeg)(pose.angleDeg, summary.components.angleDeg.centre),
    z: zs,
    distance,
    threshold: summary.threshold.value,
    flagged: distance > summary.threshold.value,
    main,
  };
}
