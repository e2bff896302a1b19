// Per-class table: each real class in ../shared (screw, bottle) and each generated class (lambdas/core/synthetic/
// classes.ts) through adreel's default run (no flags): decisions taken, output bytes and ratio (reel-only beside);
// for the real classes image and pixel AUROC over PROTOCOL's robust grid (seeds x kernels) for the raw PNGs, video
// only (--no-align --no-mask, CRF 28) and the default, and the robust "no worse than raw" verdict.
//
// Usage: node --import tsx bench/classes.ts [--classes screw,bottle,registered,...] [--train N] [--test N]
//        [--seeds 0-4] [--kernel linear,lanczos3] [--json FILE] [--work DIR] [--no-eval]
// --train / --test limit each real class to its first N training images and N test images spread over the defect
// types (PROTOCOL "CI subset" style); the default is the whole class. --no-eval: decisions and bytes only (no PaDiM).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';
import { compressFolder, transformFolder } from '../lambdas/cli/local-runs.ts';
import type { CompressSummary } from '../lambdas/core/compress/compress-folder.ts';
import { encodePng } from '../lambdas/core/image-io.ts';
import { applyAffine, composeAffine, invertAffine } from '../lambdas/core/align/affine.ts';
import { loadManifest } from '../lambdas/core/artifacts.ts';
import type { Affine } from '../lambdas/core/types.ts';
import { restoreFramesParallel } from '../lambdas/core/restore.ts';
import { StagedFolder } from '../lambdas/core/staged-folder.ts';
import { generateSyntheticClass, SYNTHETIC_CLASSES, type SyntheticClass } from '../lambdas/core/synthetic/classes.ts';
import {
  checkNoWorseThanRaw,
  describeVerdict,
  evaluateRobustFromFolders,
  parseKernelList,
  parseSeedList,
  type NoWorseThanRawVerdict,
  type RobustEvalResult,
} from '../lambdas/eval/robust.ts';
import { linkTestSubset, linkTrainSubset } from '../test/helpers/screw-subset.ts';
import { bottleDir, screwDir } from './lib/shared-data.ts';

const REAL: Record<string, () => string> = { screw: screwDir, bottle: bottleDir };

const { values } = parseArgs({
  options: {
    classes: { type: 'string', default: ['screw', 'bottle', ...SYNTHETIC_CLASSES].join(',') },
    train: { type: 'string' },
    test: { type: 'string' },
    seeds: { type: 'string', default: '0-4' },
    kernel: { type: 'string', default: 'linear,lanczos3' },
    json: { type: 'string' },
    work: { type: 'string', default: join('.cache', 'classes') },
    threads: { type: 'string', default: '2' },
    'no-eval': { type: 'boolean' },
  },
});
const seeds = parseSeedList(values.seeds!);
const kernels = parseKernelList(values.kernel!);
const threads = Number(values.threads);
const work = values.work!;
const log = (m: string) => console.error(`[classes] ${m}`);

interface Row {
  class: string;
  frames: number;
  inputBytes: number;
  decisions: string;
  outliers: string;
  default: { outputBytes: number; reelBytes: number; ratio: number; reelRatio: number };
  videoOnly?: { outputBytes: number; reelBytes: number };
  /** generated classes: pose error in pixels of the stored transforms against the generator's truth */
  poseError?: { what: string; median: number; max: number; deformed?: string };
  eval?: { raw: RobustEvalResult; videoOnly: RobustEvalResult; adreel: RobustEvalResult; verdict: NoWorseThanRawVerdict; videoVerdict: NoWorseThanRawVerdict };
}

function describeDecisions(s: CompressSummary): string {
  const d = s.decisions;
  if (!d) return 'n/a';
  return `segmenter ${d.segmenter.kind}, align ${d.alignment.mode}, mask ${d.mask.enabled ? 'union' : 'none'}, misaligned = ${d.misalignment.metric === 'none' ? 'not judged' : `${d.misalignment.metric} < ${d.misalignment.gate?.threshold.toFixed(3) ?? '-'}`}${d.frameSize.resized ? `, ${d.frameSize.resized} padded to ${d.frameSize.width}x${d.frameSize.height}` : ''}`;
}

async function restoreTo(outDir: string, dest: string): Promise<void> {
  const staged = await StagedFolder.open(dest);
  await restoreFramesParallel(new LocalStorage(outDir), (f) => staged.write(f.fileName, f.png), {});
  await staged.commit();
}

async function fresh(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

async function realClass(name: string): Promise<Row> {
  const base = await fresh(join(work, name));
  const category = join(base, 'category');
  const source = REAL[name]();
  const trainCount = values.train ? Number(values.train) : 100_000;
  const testCount = values.test ? Number(values.test) : 100_000;
  await linkTrainSubset(join(category, 'train', 'good'), trainCount, source);
  await linkTestSubset(category, testCount, source);
  const folders = (train: string, test = join(category, 'test'), gt = join(category, 'ground_truth')) => ({ trainDir: train, testDir: test, groundTruthDir: gt });
  const opts = { seeds, kernels, onKernel: (k: string) => log(`${name}: PaDiM, kernel ${k}`) };

  log(`${name}: default compress`);
  const def = await compressFolder(category, join(base, 'default'), parseCompressOptions({ threads }), { log });
  log(`${name}: video only (--no-align --no-mask, CRF 28)`);
  const video = await compressFolder(category, join(base, 'video'), parseCompressOptions({ threads, align: false, mask: false, crf: 28 }), { log });
  const bytes = {
    class: name,
    frames: def.frames,
    inputBytes: def.inputBytes,
    decisions: describeDecisions(def),
    outliers: (def.outliers ?? []).map((o) => `${o.name} (${o.margin.toFixed(3)})`).join(', ') || '-',
    default: { outputBytes: def.outputBytes, reelBytes: def.reelBytes, ratio: def.inputBytes / def.outputBytes, reelRatio: def.inputBytes / def.reelBytes },
    videoOnly: { outputBytes: video.outputBytes, reelBytes: video.reelBytes },
  };
  if (values['no-eval']) return bytes;
  await restoreTo(join(base, 'default'), join(base, 'default-train'));
  await restoreTo(join(base, 'video'), join(base, 'video-train'));
  log(`${name}: transform test images`);
  await transformFolder(join(base, 'default'), category, join(base, 'default-test'));

  log(`${name}: PaDiM raw`);
  const raw = await evaluateRobustFromFolders(folders(join(category, 'train', 'good')), opts);
  log(`${name}: PaDiM video only`);
  const videoOnly = await evaluateRobustFromFolders(folders(join(base, 'video-train')), opts);
  log(`${name}: PaDiM adreel default`);
  const adreel = await evaluateRobustFromFolders(folders(join(base, 'default-train'), join(base, 'default-test', 'test'), join(base, 'default-test', 'ground_truth')), opts);
  return {
    ...bytes,
    eval: { raw, videoOnly, adreel, verdict: checkNoWorseThanRaw(adreel.cells, raw.cells), videoVerdict: checkNoWorseThanRaw(videoOnly.cells, raw.cells) },
  };
}

const GENERATED = { count: 48, size: 256 };

/**
 * Pose error, pixels, of each frame's stored transform (source -> reference; none = identity) against the truth
 * (the generator's poses): the largest displacement error over the corners of a box of half-side 0.22 x the frame
 * around the object (the bracket's size), or for a round part the error at its centre only (its rotation is not
 * observable). Deformed parts (periodic class) are named with their error and whether they were flagged.
 */
async function poseErrors(outDir: string, poses: Map<string, { pose: Affine | null; deformed: boolean }>, centreOnly: boolean, flagged: Set<string>): Promise<Row['poseError']> {
  const manifest = await loadManifest(new LocalStorage(outDir));
  const refPose = poses.get(manifest.reference.name)?.pose;
  if (!refPose) return undefined;
  const half = 0.22 * GENERATED.size;
  const errors: number[] = [];
  const deformed: string[] = [];
  for (const f of manifest.frames) {
    const truthPose = poses.get(f.name)?.pose;
    if (!truthPose || f.name === manifest.reference.name) continue;
    const estimated: Affine = f.transform ?? [1, 0, 0, 0, 1, 0];
    const truth = composeAffine(refPose, invertAffine(truthPose));
    const points: [number, number][] = centreOnly ? [[0, 0]] : [[-half, -half], [half, -half], [half, half], [-half, half]];
    let worst = 0;
    for (const corner of points) {
      const p = applyAffine(truthPose, corner);
      const [ex, ey] = applyAffine(estimated, p);
      const [tx, ty] = applyAffine(truth, p);
      worst = Math.max(worst, Math.hypot(ex - tx, ey - ty));
    }
    errors.push(worst);
    if (poses.get(f.name)?.deformed) {
      const m = manifest.decisions?.misalignment;
      const value = m && m.metric !== 'none' && f.alignment ? f.alignment[m.metric] : undefined;
      const rank = value === undefined ? '' : `, lowest ${m!.metric} rank ${1 + manifest.frames.filter((g) => g.alignment && g.alignment[m!.metric as 'ncc'] < value).length} of ${manifest.frames.length}`;
      const margin = value !== undefined && m?.gate ? `, ${m.metric} ${value.toFixed(4)} vs gate ${m.gate.threshold.toFixed(4)} (margin ${(value - m.gate.threshold).toFixed(4)})${rank}` : '';
      deformed.push(`${f.name} ${worst.toFixed(2)} px${margin}, ${flagged.has(f.name) ? 'flagged' : 'not flagged'}`);
    }
  }
  const sorted = [...errors].sort((a, b) => a - b);
  return {
    what: centreOnly ? 'centre' : 'corners',
    median: sorted[Math.floor(sorted.length / 2)] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    ...(deformed.length ? { deformed: deformed.join('; ') } : {}),
  };
}

async function generatedClass(name: SyntheticClass): Promise<Row> {
  const base = await fresh(join(work, name));
  const input = join(base, 'input');
  await mkdir(input, { recursive: true });
  const poses = new Map<string, { pose: Affine | null; deformed: boolean }>();
  for await (const item of generateSyntheticClass(name, { count: GENERATED.count, size: GENERATED.size, seed: 1 })) {
    await writeFile(join(input, item.name), await encodePng(item.image));
    poses.set(item.name, { pose: item.pose, deformed: item.deformed });
  }
  log(`${name}: default compress`);
  const s = await compressFolder(input, join(base, 'default'), parseCompressOptions({ threads }), { log });
  return {
    poseError: await poseErrors(join(base, 'default'), poses, name === 'rotation-symmetric', new Set((s.outliers ?? []).map((o) => o.name))),
    class: `${name} (generated)`,
    frames: s.frames,
    inputBytes: s.inputBytes,
    decisions: describeDecisions(s),
    outliers: (s.outliers ?? []).map((o) => `${o.name} (${o.margin.toFixed(3)})`).join(', ') || '-',
    default: { outputBytes: s.outputBytes, reelBytes: s.reelBytes, ratio: s.inputBytes / s.outputBytes, reelRatio: s.inputBytes / s.reelBytes },
  };
}

const rows: Row[] = [];
for (const name of values.classes!.split(',')) {
  try {
    rows.push(REAL[name] ? await realClass(name) : await generatedClass(name as SyntheticClass));
  } catch (err) {
    console.log(`| ${name} | FAILED: ${(err as Error).message.split('\n')[0]} |`);
  }
}

const f4 = (v: number) => v.toFixed(4);
const grid = (r: RobustEvalResult, m: 'image' | 'pixel') => `${f4(r.summary[m].mean)} [${f4(r.summary[m].min)}..${f4(r.summary[m].max)}]`;
console.log(`\nseeds ${seeds.join(',')} x kernels ${kernels.join(',')}; AUROC mean [min..max] over the grid${values.train ? `; real classes limited to ${values.train} train / ${values.test ?? 'all'} test images` : ''}\n`);
console.log('| class | default run | decisions | outliers kept, flagged (margin) | pose error px (generated: median / max) | output bytes (ratio) | reel bytes (ratio) | video-only CRF 28 output / reel bytes | image AUROC raw / video / adreel | pixel AUROC raw / video / adreel | no worse than raw (adreel) | bytes <= video | image >= video |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const e = r.eval;
  console.log(
    `| ${r.class} | ok, ${r.frames} frames | ${r.decisions} | ${r.outliers} | ${r.poseError ? `${r.poseError.what} ${r.poseError.median.toFixed(2)} / ${r.poseError.max.toFixed(2)}${r.poseError.deformed ? `; deformed: ${r.poseError.deformed}` : ''}` : '-'} | ${r.default.outputBytes.toLocaleString('en')} (${r.default.ratio.toFixed(1)}x) | ${r.default.reelBytes.toLocaleString('en')} (${r.default.reelRatio.toFixed(1)}x) | ` +
      (r.videoOnly ? `${r.videoOnly.outputBytes.toLocaleString('en')} / ${r.videoOnly.reelBytes.toLocaleString('en')}` : '-') +
      ' | ' +
      (e ? `${grid(e.raw, 'image')} / ${grid(e.videoOnly, 'image')} / ${grid(e.adreel, 'image')} | ${grid(e.raw, 'pixel')} / ${grid(e.videoOnly, 'pixel')} / ${grid(e.adreel, 'pixel')} | ${describeVerdict(e.verdict)}` : '- | - | -') +
      ` | ${r.videoOnly ? (r.default.outputBytes <= r.videoOnly.outputBytes ? 'yes' : 'no') : '-'} | ` +
      (e ? `${e.adreel.summary.image.min >= e.videoOnly.summary.image.min && e.adreel.summary.image.mean >= e.videoOnly.summary.image.mean ? 'yes' : 'no'} (mean ${f4(e.adreel.summary.image.mean)} vs ${f4(e.videoOnly.summary.image.mean)}) |` : '- |'),
  );
}
if (values.json) await writeFile(values.json, JSON.stringify(rows.map((r) => ({ ...r, eval: r.eval && { verdict: r.eval.verdict, videoVerdict: r.eval.videoVerdict, raw: { ...r.eval.raw, cells: r.eval.raw.cells.map(({ imageScores: _s, ...c }) => c) }, videoOnly: { ...r.eval.videoOnly, cells: r.eval.videoOnly.cells.map(({ imageScores: _s, ...c }) => c) }, adreel: { ...r.eval.adreel, cells: r.eval.adreel.cells.map(({ imageScores: _s, ...c }) => c) } } })), null, 2));
