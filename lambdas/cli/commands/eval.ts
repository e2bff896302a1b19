import { UsageError } from '../../ground/errors.ts';
import { evaluateCategory } from '../../eval/evaluate.ts';
import {
  checkNoWorseThanRaw,
  DEFAULT_ROBUST_TOLERANCE,
  describeVerdict,
  evaluateRobustCategory,
  parseKernelList,
  parseSeedList,
  type RobustEvalResult,
} from '../../eval/robust.ts';
import { poseFlagFor, describePoseFlag } from '../../eval/pose-flag.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';
import { intOption, stringOption } from './args.ts';

function describeRobust(label: string, r: RobustEvalResult): string {
  const { image, pixel } = r.summary;
  return (
    `adreel eval${label}: image AUROC mean ${image.mean.toFixed(4)} (min ${image.min.toFixed(4)}, max ${image.max.toFixed(4)}), ` +
    `pixel AUROC mean ${pixel.mean.toFixed(4)} (min ${pixel.min.toFixed(4)}, max ${pixel.max.toFixed(4)}) over seeds ` +
    `${r.seeds.join(',')} x kernels ${r.kernels.join(',')} (${r.trainCount} train / ${r.testCount} test, ${r.seconds.total.toFixed(1)}s)`
  );
}

function toleranceOption(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_ROBUST_TOLERANCE;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`--tolerance expects a number from 0 to 1, got "${value}"`);
  }
  return n;
}

export const runEval: Command = {
  usage:
    'eval <categoryDir> [--backbone PATH] [--seed N | --seeds 0-4] [--kernel linear|lanczos3|linear,lanczos3] ' +
    '[--baseline <rawCategoryDir> [--tolerance 0.005]] [--pose-flag [--pose-report FILE]] [--json]   (PaDiM image/pixel AUROC, MVTec layout; with ' +
    '--baseline, exit 1 unless "no worse than raw" holds in every seed x kernel; --pose-flag also gives image AUROC with ' +
    'the images transform-report.json flags as misplaced ranked first)',
  positionals: 1,
  options: {
    backbone: { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    kernel: { type: 'string' },
    baseline: { type: 'string' },
    tolerance: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'pose-flag': { type: 'boolean' },
    'pose-report': { type: 'string' },
  },
  async run([dir], v) {
    const backbone = stringOption(v.backbone);
    const robust = v.seeds !== undefined || v.kernel !== undefined || v.baseline !== undefined;
    if (v.seed !== undefined && v.seeds !== undefined) throw new UsageError('give either --seed or --seeds, not both');
    if (v.tolerance !== undefined && v.baseline === undefined) throw new UsageError('--tolerance applies only with --baseline');
    const poseFlags = await poseFlagFor(dir, v['pose-flag'] === true, stringOption(v['pose-report']));
    const progress = createProgress(!v.quiet && !v.json);
    if (!robust) {
      const r = await evaluateCategory(dir, {
        backbone,
        seed: intOption(v.seed, '--seed', 0, 2 ** 31 - 1),
        onProgress: progress.onProgress,
      });
      progress.stop();
      const poseFlag = poseFlags && describePoseFlag(poseFlags, [{ seed: r.seed, kernel: 'linear', imageScores: r.imageScores }]);
      if (v.json) console.log(JSON.stringify(poseFlag ? { ...r, poseFlag: poseFlag.json } : r, null, 2));
      else {
        console.log(
          `adreel eval: image AUROC ${r.imageAuroc.toFixed(4)}, pixel AUROC ${r.pixelAuroc.toFixed(4)} (seed ${r.seed}, ` +
            `${r.trainCount} train / ${r.testCount} test, ${r.seconds.total.toFixed(1)}s)`,
        );
        if (poseFlag) console.log(poseFlag.text);
      }
      return 0;
    }
    const single = intOption(v.seed, '--seed', 0, 2 ** 31 - 1);
    const seeds = typeof v.seeds === 'string' ? parseSeedList(v.seeds) : [single ?? 0];
    const kernels = typeof v.kernel === 'string' ? parseKernelList(v.kernel) : parseKernelList('linear');
    const tolerance = toleranceOption(v.tolerance);
    const options = { backbone, seeds, kernels, onProgress: progress.onProgress };
    const baselineDir = stringOption(v.baseline);
    const baseline = baselineDir ? await evaluateRobustCategory(baselineDir, options) : undefined;
    const result = await evaluateRobustCategory(dir, options);
    progress.stop();
    const verdict = baseline ? checkNoWorseThanRaw(result.cells, baseline.cells, { tolerance }) : undefined;
    const poseFlag = poseFlags && describePoseFlag(poseFlags, result.cells);
    if (v.json) console.log(JSON.stringify({ result, baseline, verdict, ...(poseFlag ? { poseFlag: poseFlag.json } : {}) }, null, 2));
    else {
      if (baseline) console.log(describeRobust(' (baseline)', baseline));
      console.log(describeRobust('', result));
      if (verdict) console.log(`adreel eval: ${describeVerdict(verdict)}`);
      if (poseFlag) console.log(poseFlag.text);
    }
    return verdict && !verdict.holds ? 1 : 0;
  },
};
