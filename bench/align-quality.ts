// Alignment quality on real data, as PROTOCOL.md measures it: threshold segmentation + alignment of every image
// of a folder onto its first image (sorted), union mask with the default margin, silhouette IoU / containment /
// union fraction, time per image, and what each alignment stage did (the method counts, and how often the
// AKAZE + RANSAC stage found a model and was accepted).
//
//   node --import tsx bench/align-quality.ts [dir] [--limit N] [--json out.json] [--margins 8,4,12]
//
// dir defaults to <shared>/data/mvtec-screw/train/good. --margins lists union margins to measure, the first
// being the one reported as primary (default: DEFAULT_MARGIN_PX). Progress goes to stderr, the report to stdout.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImage, isImageName } from '../lambdas/core/image-io.ts';
import { measureAlignmentQuality, type FrameQuality, type QualityReport } from '../lambdas/core/metrics/alignment-quality.ts';
import { DEFAULT_MARGIN_PX } from '../lambdas/core/compress/options.ts';
import { positiveInt, walkArgs } from './lib/args.ts';
import { screwDir } from './lib/shared-data.ts';

interface Args {
  dir: string;
  limit?: number;
  json?: string;
  margins: number[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { dir: join(screwDir(), 'train', 'good'), margins: [DEFAULT_MARGIN_PX] };
  walkArgs(argv, (a, value) => {
    if (a === '--limit') args.limit = positiveInt(value(), a);
    else if (a === '--json') args.json = value();
    else if (a === '--margins') args.margins = value().split(',').map((m) => nonNegative(m, a));
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} (use --limit N, --json PATH, --margins A,B,...)`);
    else args.dir = a;
  });
  return args;
}

function nonNegative(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must list non-negative numbers, got ${v}`);
  return n;
}

function pct(v: number, digits = 2): string {
  return `${(100 * v).toFixed(digits)}%`;
}

function printReport(report: QualityReport): void {
  const primary = report.margins[0];
  const worst = report.frames
    .filter((f) => f.ok)
    .sort((a, b) => a.perMargin[0].silhouetteIou - b.perMargin[0].silhouetteIou)
    .slice(0, 8);
  console.log(`worst frames (PROTOCOL silhouette IoU, margin ${primary.marginPx} px):`);
  for (const f of worst) {
    const m = f.perMargin[0];
    console.log(
      `  ${f.name}  IoU ${m.silhouetteIou.toFixed(3)}  mask IoU ${f.maskIou.toFixed(3)}  score ${f.score.toFixed(3)}  ` +
        `containment ${pct(m.containment, 3)}  scale ${f.scale.toFixed(3)}  angle ${f.angleDeg.toFixed(1)}`,
    );
  }
  const failed = report.frames.filter((f) => !f.ok);
  for (const f of failed) console.log(`  NOT ALIGNED ${f.name}: ${f.reason}`);
  const scores = report.frames.filter((f) => f.ok).map((f) => f.score);
  console.log(`score (ok frames): min ${Math.min(...scores).toFixed(3)}  mean ${(scores.reduce((s, v) => s + v, 0) / scores.length).toFixed(3)}`);
  console.log('');
  console.log(`aligned: ${report.aligned} / ${report.total}`);
  for (const m of report.margins) {
    console.log(
      `margin ${String(m.marginPx).padStart(2)} px: silhouette IoU mean ${m.iou.mean.toFixed(3)}  min ${m.iou.min.toFixed(3)}  ` +
        `p5 ${m.iou.p5.toFixed(3)}  frames < 0.5: ${m.framesBelowHalf}  max containment ${pct(m.maxContainment, 3)} ` +
        `(frames >= 0.5%: ${m.framesContainmentAbove})  union fraction ${pct(m.unionFraction)}  threshold ${m.threshold}`,
    );
  }
  console.log(
    `seconds per image: ${report.secondsPerImage.toFixed(3)} (segmentation ${report.segmentSecondsPerImage.toFixed(3)}, ` +
      `alignment ${report.alignSecondsPerImage.toFixed(3)})`,
  );
}

function printStages(frames: readonly FrameQuality[]): void {
  const count = (values: string[]) => {
    const tally = new Map<string, number>();
    for (const v of values) tally.set(v, (tally.get(v) ?? 0) + 1);
    return [...tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  };
  const records = frames.filter((f) => f.method !== undefined);
  console.log(`methods: ${count(records.map((r) => r.method!))}`);
  const ran = records.filter((r) => r.features).map((r) => r.features!);
  if (ran.length === 0) return;
  const median = (v: number[]) => (v.length === 0 ? NaN : [...v].sort((a, b) => a - b)[v.length >> 1]);
  const modelled = ran.filter((f) => f.inliers > 0);
  console.log(
    `AKAZE stage: ran on ${ran.length}, outcomes: ${count(ran.map((f) => f.outcome))}; median keypoints ${median(ran.map((f) => f.keypoints))}, ` +
      `matches ${median(ran.map((f) => f.matches))}, inliers (when a model) ${median(modelled.map((f) => f.inliers))}`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let names: string[];
  try {
    names = (await readdir(args.dir)).filter(isImageName).sort();
  } catch (error) {
    throw new Error(`cannot list ${args.dir}: ${(error as Error).message} (pass a folder, or set ADREEL_SHARED)`);
  }
  if (args.limit) names = names.slice(0, args.limit);
  if (names.length === 0) throw new Error(`no images in ${args.dir}`);
  const started = performance.now();
  let lastLine = 0;
  const report = await measureAlignmentQuality(
    { names, load: async (name) => (await decodeImage(await readFile(join(args.dir, name)), name, { mode: 'grey' })).image },
    {
      marginsPx: args.margins,
      onProgress: (stage, done, total) => {
        const now = performance.now();
        if (done === total || now - lastLine > 2000) {
          lastLine = now;
          process.stderr.write(`${stage} ${done}/${total} (${((now - started) / 1000).toFixed(0)} s)\n`);
        }
      },
    },
  );
  printReport(report);
  printStages(report.frames);
  if (args.json) {
    await writeFile(args.json, JSON.stringify({ dir: args.dir, ...report }, null, 2));
    console.log(`wrote ${args.json}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`align-quality: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
