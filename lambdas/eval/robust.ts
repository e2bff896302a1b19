// Robust evaluation (PROTOCOL.md, "Robust claims"): PaDiM over several channel-subset seeds and several image
// resize kernels, and the rule "no worse than raw": for every seed s and kernel k,
// AUROC(candidate, s, k) >= AUROC(raw, s, k) - tolerance.
// Backbone features depend on the kernel only, so the backbone runs once per image per kernel; the seeds (which
// only choose the channel subset) share that pass.
import { UsageError } from '../ground/errors.ts';
import type { BackboneIdentity } from './backbone.ts';
import { evaluateSplit, type EvalResult, type ImageScore, type MultiSeedEvalOptions } from './evaluate.ts';
import { readMvtecCategory, readSplitFromFolders, type EvalFolders, type EvalSplit } from './mvtec.ts';
import { RESIZE_KERNELS, type ResizeKernel } from './preprocess.ts';

/** PROTOCOL.md's robust grid: seeds 0-4 ... */
export const ROBUST_SEEDS: readonly number[] = [0, 1, 2, 3, 4];
/** ... and both image resize kernels. */
export const ROBUST_KERNELS: readonly ResizeKernel[] = RESIZE_KERNELS;
/** "No worse than raw" allows this much AUROC below raw in every cell. */
export const DEFAULT_ROBUST_TOLERANCE = 0.005;

export type AurocMetric = 'image' | 'pixel';
export const AUROC_METRICS: readonly AurocMetric[] = ['image', 'pixel'];

export interface RobustEvalOptions extends Omit<MultiSeedEvalOptions, 'seeds' | 'kernel'> {
  seeds: readonly number[];
  kernels: readonly ResizeKernel[];
  onKernel?: (kernel: ResizeKernel, index: number, total: number) => void;
}

/** One (seed, kernel) cell of the grid. */
export interface RobustCell {
  seed: number;
  kernel: ResizeKernel;
  imageAuroc: number;
  pixelAuroc: number;
  imageScores: ImageScore[];
}

export interface MetricSummary {
  mean: number;
  min: number;
  max: number;
}

export interface RobustEvalResult {
  seeds: number[];
  kernels: ResizeKernel[];
  trainCount: number;
  testCount: number;
  backbone: BackboneIdentity;
  /** seeds x kernels, kernel-major (all seeds of kernels[0] first) */
  cells: RobustCell[];
  summary: { image: MetricSummary; pixel: MetricSummary };
  /** wall seconds: backbone+decoding per kernel pass, and the whole call */
  seconds: { featuresPerKernel: Partial<Record<ResizeKernel, number>>; total: number };
}

function summarise(values: number[]): MetricSummary {
  return {
    mean: values.reduce((sum, v) => sum + v, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

function checkKernels(kernels: readonly ResizeKernel[]): void {
  if (kernels.length === 0) throw new UsageError('robust evaluation needs at least one resize kernel');
  for (const kernel of kernels) {
    if (!RESIZE_KERNELS.includes(kernel)) throw new UsageError(`resize kernel must be one of ${RESIZE_KERNELS.join(', ')}, got "${kernel}"`);
  }
  if (new Set(kernels).size !== kernels.length) throw new UsageError(`resize kernels repeat: ${kernels.join(', ')}`);
}

/** PaDiM on a listed split for every seed x kernel; one backbone pass per kernel. */
export async function evaluateRobustSplit(split: EvalSplit, options: RobustEvalOptions): Promise<RobustEvalResult> {
  const started = performance.now();
  checkKernels(options.kernels);
  const { kernels, seeds, onKernel, ...rest } = options;
  const cells: RobustCell[] = [];
  const featuresPerKernel: Partial<Record<ResizeKernel, number>> = {};
  let last: EvalResult | undefined;
  for (const [index, kernel] of kernels.entries()) {
    onKernel?.(kernel, index, kernels.length);
    const results = await evaluateSplit(split, { ...rest, seeds: [...seeds], kernel });
    featuresPerKernel[kernel] = results[0].seconds.features;
    for (const r of results) {
      cells.push({ seed: r.seed, kernel, imageAuroc: r.imageAuroc, pixelAuroc: r.pixelAuroc, imageScores: r.imageScores });
    }
    last = results[0];
  }
  return {
    seeds: [...seeds],
    kernels: [...kernels],
    trainCount: last!.trainCount,
    testCount: last!.testCount,
    backbone: last!.backbone,
    cells,
    summary: { image: summarise(cells.map((c) => c.imageAuroc)), pixel: summarise(cells.map((c) => c.pixelAuroc)) },
    seconds: { featuresPerKernel, total: (performance.now() - started) / 1000 },
  };
}

export async function evaluateRobustCategory(categoryDir: string, options: RobustEvalOptions): Promise<RobustEvalResult> {
  return evaluateRobustSplit(await readMvtecCategory(categoryDir), options);
}

export async function evaluateRobustFromFolders(folders: EvalFolders, options: RobustEvalOptions): Promise<RobustEvalResult> {
  return evaluateRobustSplit(await readSplitFromFolders(folders), options);
}

/** The AUROCs of one cell, all that the rule reads (a RobustCell or a cached figure both fit). */
export interface AurocCell {
  seed: number;
  kernel: ResizeKernel;
  imageAuroc: number;
  pixelAuroc: number;
}

export interface CellMargin {
  seed: number;
  kernel: ResizeKernel;
  /** candidate - raw, per metric */
  image: number;
  pixel: number;
}

export interface WorstMargin {
  /** the smallest candidate - raw over the grid (negative: below raw) */
  margin: number;
  seed: number;
  kernel: ResizeKernel;
  holds: boolean;
}

export interface NoWorseThanRawVerdict {
  holds: boolean;
  tolerance: number;
  metrics: AurocMetric[];
  /** per metric checked: the worst cell and whether margin >= -tolerance there */
  worst: Partial<Record<AurocMetric, WorstMargin>>;
  cells: CellMargin[];
}

export interface NoWorseThanRawOptions {
  tolerance?: number;
  /** metrics the claim covers (default both image and pixel AUROC) */
  metrics?: readonly AurocMetric[];
}

/**
 * The robust rule "no worse than raw": for every seed s and kernel k present in `raw`, the candidate's AUROC must
 * be at least raw's minus the tolerance. A cell of raw with no candidate counterpart is a usage error (the claim
 * would otherwise hold vacuously). Returns the worst margin per metric.
 */
export function checkNoWorseThanRaw(
  candidate: readonly AurocCell[],
  raw: readonly AurocCell[],
  options: NoWorseThanRawOptions = {},
): NoWorseThanRawVerdict {
  const tolerance = options.tolerance ?? DEFAULT_ROBUST_TOLERANCE;
  const metrics = [...(options.metrics ?? AUROC_METRICS)];
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new UsageError(`tolerance must be a number >= 0, got ${tolerance}`);
  if (raw.length === 0) throw new UsageError('the no-worse-than-raw rule needs at least one raw (seed, kernel) cell');
  if (metrics.length === 0) throw new UsageError('the no-worse-than-raw rule needs at least one metric');
  const key = (c: AurocCell) => `${c.kernel}/${c.seed}`;
  const byKey = new Map(candidate.map((c) => [key(c), c]));
  const cells = raw.map((r): CellMargin => {
    const c = byKey.get(key(r));
    if (!c) throw new UsageError(`the candidate has no result for seed ${r.seed}, kernel ${r.kernel}; evaluate both on the same grid`);
    return { seed: r.seed, kernel: r.kernel, image: c.imageAuroc - r.imageAuroc, pixel: c.pixelAuroc - r.pixelAuroc };
  });
  const worst: Partial<Record<AurocMetric, WorstMargin>> = {};
  for (const metric of metrics) {
    const cell = cells.reduce((a, b) => (b[metric] < a[metric] ? b : a));
    // A small epsilon so that a margin of exactly -tolerance (in decimal) is not refused by binary rounding.
    worst[metric] = { margin: cell[metric], seed: cell.seed, kernel: cell.kernel, holds: cell[metric] >= -tolerance - 1e-12 };
  }
  return { holds: metrics.every((m) => worst[m]!.holds), tolerance, metrics, worst, cells };
}

/** One line: "holds" / "fails" with the worst margin per metric. */
export function describeVerdict(verdict: NoWorseThanRawVerdict): string {
  const parts = verdict.metrics.map((m) => {
    const w = verdict.worst[m]!;
    const sign = w.margin >= 0 ? '+' : '';
    return `${m} worst ${sign}${w.margin.toFixed(4)} (seed ${w.seed}, ${w.kernel})${w.holds ? '' : ' BELOW'}`;
  });
  return `no worse than raw (tolerance ${verdict.tolerance}): ${verdict.holds ? 'holds' : 'fails'}; ${parts.join('; ')}`;
}

/** "0-4", "0,2,5", "0-2,7" -> sorted unique seeds. */
export function parseSeedList(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) throw new UsageError(`--seeds expects seeds like 0-4 or 0,1,2, got "${text}"`);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from || to - from > 1000 || to > 0xffffffff) throw new UsageError(`--seeds range "${part}" is empty or too large`);
    for (let s = from; s <= to; s++) seeds.push(s);
  }
  const unique = [...new Set(seeds)];
  if (unique.length !== seeds.length) throw new UsageError(`--seeds repeats a seed: "${text}"`);
  return unique;
}

/** "linear", "lanczos3", "linear,lanczos3" (also "|" or "both" / "all") -> kernels. */
export function parseKernelList(text: string): ResizeKernel[] {
  if (text === 'both' || text === 'all') return [...RESIZE_KERNELS];
  const parts = text.split(/[,|]/).map((p) => p.trim());
  for (const part of parts) {
    if (!(RESIZE_KERNELS as readonly string[]).includes(part)) {
      throw new UsageError(`--kernel expects ${RESIZE_KERNELS.join(', ')} or a comma list of them, got "${part}"`);
    }
  }
  if (new Set(parts).size !== parts.length) throw new UsageError(`--kernel repeats a kernel: "${text}"`);
  return parts as ResizeKernel[];
}
