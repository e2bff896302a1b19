// eval --pose-flag: the pose check of transform (core/pose) as part of the image score. Rule: an image whose pose
// transform flagged is ranked above every image it did not flag (its score plus the span of all image scores
// plus 1; the order within each group is the detector's). Image AUROC is reported with and without; pixel
// AUROC is the detector's alone (a pose says nothing about which pixels are wrong).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTransformReport, TRANSFORM_REPORT_FILE } from '../core/transform-report.ts';
import { AdreelError } from '../ground/errors.ts';
import { aurocFromGroups } from './auroc.ts';
import { EvalDataError } from './errors.ts';
import type { ImageScore } from './evaluate.ts';
import { GOOD_TYPE } from './mvtec.ts';


export interface PoseFlags {
  file: string;
  /** '<defect type>/<stem>' (an MVTec test set) or '<stem>' (a flat folder) -> flagged */
  byKey: Map<string, boolean>;
  /** entries with a pose (none without training poses: see the report's poseModel.reason) */
  withPose: number;
}

function stemOf(file: string): string {
  return path.basename(file, path.extname(file));
}

export async function loadPoseFlags(file: string): Promise<PoseFlags> {
  let report;
  try {
    report = parseTransformReport(await readFile(file), file);
  } catch (err) {
    if (err instanceof AdreelError) throw new EvalDataError(err.message.replace(`${file}: `, ''), file);
    throw new EvalDataError(`cannot read the transform report: ${(err as Error).message}`, file);
  }
  const byKey = new Map<string, boolean>();
  let withPose = 0;
  for (const e of report.report) {
    const parts = e.file.split('/');
    const key = parts.length >= 2 ? `${parts[parts.length - 2]}/${stemOf(e.file)}` : stemOf(e.file);
    byKey.set(key, e.pose?.flagged ?? false);
    if (e.pose) withPose++;
  }
  if (withPose === 0) {
    const why = report.poseModel.reason ?? 'no test image had an object to pose';
    throw new EvalDataError(`the transform report holds no pose for any image: ${why}; --pose-flag needs one`, file);
  }
  return { file, byKey, withPose };
}

export interface PoseFlagOutcome {
  imageAuroc: number;
  imageAurocWithFlag: number;
  flaggedGood: number;
  flaggedDefective: number;
  good: number;
  defective: number;
}

/** Image AUROC without and with the flag for one set of image scores (one seed x kernel cell). */
export function applyPoseFlag(scores: readonly ImageScore[], flags: PoseFlags): PoseFlagOutcome {
  const flagged = scores.map((s) => {
    const key = `${s.defectType}/${stemOf(s.file)}`;
    const value = flags.byKey.get(key) ?? flags.byKey.get(stemOf(s.file));
    if (value === undefined) throw new EvalDataError(`test image ${s.file} is not in the transform report (made for another test set?)`, flags.file);
    return value;
  });
  const values = scores.map((s) => s.score);
  const lift = Math.max(...values) - Math.min(...values) + 1;
  const lifted = values.map((v, i) => (flagged[i] ? v + lift : v));
  const good = scores.map((s) => s.defectType === GOOD_TYPE);
  const split = (v: number[]) => [v.filter((_, i) => good[i]), v.filter((_, i) => !good[i])] as const;
  const count = (want: boolean) => flagged.filter((f, i) => f && good[i] === want).length;
  return {
    imageAuroc: aurocFromGroups(...split(values)),
    imageAurocWithFlag: aurocFromGroups(...split(lifted)),
    flaggedGood: count(true),
    flaggedDefective: count(false),
    good: good.filter(Boolean).length,
    defective: good.filter((g) => !g).length,
  };
}

/** The flags for `eval --pose-flag`: `<categoryDir>/transform-report.json` unless `reportFile` names another. */
export async function poseFlagFor(categoryDir: string, enabled: boolean, reportFile?: string): Promise<PoseFlags | undefined> {
  if (!enabled && reportFile === undefined) return undefined;
  return loadPoseFlags(reportFile ?? path.join(categoryDir, TRANSFORM_REPORT_FILE));
}

export interface PoseFlagCellOutcome extends PoseFlagOutcome {
  seed: number;
  kernel: string;
}

/** Every cell with and without the flag, and one line: mean and minimum of each over the cells. */
export function describePoseFlag(
  flags: PoseFlags,
  cells: readonly { seed: number; kernel: string; imageScores: readonly ImageScore[] }[],
): { text: string; json: { report: string; rule: string; cells: PoseFlagCellOutcome[] } } {
  const outcomes = cells.map((c) => ({ seed: c.seed, kernel: c.kernel, ...applyPoseFlag(c.imageScores, flags) }));
  const stat = (pick: (o: PoseFlagOutcome) => number) => {
    const v = outcomes.map(pick);
    return `${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(4)} (min ${Math.min(...v).toFixed(4)})`;
  };
  const o = outcomes[0];
  return {
    text:
      `adreel eval: pose flag (${flags.file}): ${o.flaggedGood}/${o.good} good and ${o.flaggedDefective}/${o.defective} defective ` +
      `test images flagged; image AUROC ${stat((x) => x.imageAuroc)} without, ${stat((x) => x.imageAurocWithFlag)} with ` +
      `the flagged ranked first (${outcomes.length} cell${outcomes.length === 1 ? '' : 's'})`,
    json: { report: flags.file, rule: 'flagged images ranked above every unflagged image (score + span of all scores + 1)', cells: outcomes },
  };
}
