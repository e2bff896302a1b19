// The pose check's figures (issue 13):
// 1. generated classes with known misplacements (shift 5-10% of the object's length or turn 10-20 deg), through
//    compress + transform: share of misplaced and of good test images flagged, for classes whose training poses
//    are tight (a part in a fixed pose) and spread (screw-like), and for the alignment modes translation and none;
// 2. real classes (../shared: screw, bottle): compress train/good, transform test/, the share of good and of
//    defective test images flagged; with --eval, PaDiM image AUROC on the restored training frames and the
//    transformed test images with and without the flag, over seeds 0-4 x kernels linear/lanczos3.
//
//   node --import tsx bench/pose-flag.ts [--synthetic-only | --real-only] [--eval] [--count N] [--classes screw,bottle]
//        [--work DIR] [--json FILE]
// Work files go to --work (default a temporary folder, removed at the end); ../shared is only read.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compressFolder, transformFolder } from '../lambdas/cli/local-runs.ts';
import { restoreFrames } from '../lambdas/core/restore.ts';
import type { TransformSummary } from '../lambdas/core/transform-folder.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import type { ImageScore } from '../lambdas/eval/evaluate.ts';
import { describePoseFlag, loadPoseFlags } from '../lambdas/eval/pose-flag.ts';
import { evaluateRobustFromFolders, ROBUST_KERNELS, ROBUST_SEEDS } from '../lambdas/eval/robust.ts';
import { runPlacementClass, type PlacementOutcome } from './lib/pose-placements.ts';
import { sharedDir } from './lib/shared-data.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';
import { hasManifest, loadManifest } from '../lambdas/core/artifacts.ts';

const { values: args } = parseArgs({
  options: {
    'synthetic-only': { type: 'boolean' },
    'real-only': { type: 'boolean' },
    eval: { type: 'boolean' },
    retransform: { type: 'boolean' },
    count: { type: 'string', default: '60' },
    size: { type: 'string', default: '160' },
    classes: { type: 'string', default: 'screw,bottle' },
    work: { type: 'string' },
    json: { type: 'string' },
  },
});

const pct = (share: number) => `${(100 * share).toFixed(1)}%`;
const results: Record<string, unknown> = {};
const work = args.work ?? (await mkdtemp(join(tmpdir(), 'adreel-pose-bench-')));
await mkdir(work, { recursive: true });

if (!args['real-only']) {
  const n = Number(args.count);
  const size = Number(args.size);
  console.log(`# generated classes: ${n} training, ${n} good and ${n} misplaced test shots each, ${size} px`);
  // the last two are classes the data align by translation (a round part) or not at all (registered): shifts only
  const classes = [
    { kind: 'asymmetric', spread: 'tight', seed: 11 },
    { kind: 'screw', spread: 'tight', seed: 12 },
    { kind: 'screw', spread: 'spread', seed: 13 },
    { kind: 'asymmetric', spread: 'spread', seed: 14 },
    { kind: 'disc', spread: 'tight', shiftJitter: 0.01, turns: false, seed: 15 },
    { kind: 'asymmetric', spread: 'fixed', turns: false, seed: 16 },
  ] as const;
  const outcomes: Omit<PlacementOutcome, 'entries'>[] = [];
  for (const c of classes) {
    const { entries: _entries, ...r } = await runPlacementClass({ ...c, size, train: n, good: n, misplaced: n });
    outcomes.push(r);
    const s = r.summary;
    console.log(
      `${c.kind.padEnd(10)} ${c.spread.padEnd(6)} (alignment ${r.mode}, pose ${s?.model ?? 'none'}): misplaced flagged ${r.misplaced.flagged}/${r.misplaced.images} (${pct(r.misplaced.share)}), ` +
        `good flagged ${r.good.flagged}/${r.good.images} (${pct(r.good.share)}); threshold ${s?.threshold.value.toFixed(2)} ` +
        `(rank ${s?.threshold.rank}/${s?.frames}, bound ${s ? pct(s.threshold.boundRate) : '-'}), angle period ${s?.angle.periodDeg}, ` +
        `spreads x ${s?.components.x.scale.toFixed(2)} px, angle ${s?.components.angleDeg.scale.toFixed(2)} deg; ${r.seconds.toFixed(0)} s`,
    );
    for (const m of r.missed.slice(0, 5)) console.log(`    missed ${m.name}: ${JSON.stringify(m.misplacement)} distance ${m.distance?.toFixed(2)}`);
  }
  results.synthetic = outcomes;
}

if (!args['synthetic-only']) {
  const classDirs: Record<string, string> = { screw: 'mvtec-screw', bottle: 'mvtec-bottle-384' };
  const real: Record<string, unknown> = {};
  for (const name of args.classes!.split(',')) {
    const category = join(sharedDir(), 'data', classDirs[name] ?? name);
    if (!existsSync(join(category, 'train', 'good'))) {
      console.log(`# ${name}: skipped, ${category} not found (set ADREEL_SHARED)`);
      continue;
    }
    const started = performance.now();
    const out = join(work, name, 'out');
    const transformed = join(work, name, 'transformed');
    const restored = join(work, name, 'restored');
    if (!(await hasManifest(new LocalStorage(out)))) {
      await compressFolder(category, out, parseCompressOptions({ crf: 28, modelPath: existsSync('models/isnet.onnx') ? 'models/isnet.onnx' : undefined }));
    }
    const manifest = await loadManifest(new LocalStorage(out));
    // --retransform: the pose rule changed (the images and the detector's scores do not)
    if (args.retransform) await rm(transformed, { recursive: true, force: true });
    if (!existsSync(join(transformed, 'transform-report.json'))) await transformFolder(out, category, transformed);
    const report = JSON.parse(await readFile(join(transformed, 'transform-report.json'), 'utf8')) as TransformSummary;
    const isGood = (f: string) => f.startsWith('test/good/');
    const share = (pick: (f: string) => boolean) => {
      const e = report.report.filter((r) => pick(r.file));
      const flagged = e.filter((r) => r.pose?.flagged).length;
      return { images: e.length, flagged, share: flagged / e.length };
    };
    const good = share(isGood);
    const defective = share((f) => !isGood(f));
    const byType: Record<string, string> = {};
    for (const type of [...new Set(report.report.map((r) => r.file.split('/')[1]))]) {
      const s = share((f) => f.split('/')[1] === type);
      byType[type] = `${s.flagged}/${s.images}`;
    }
    const s = report.poseModel.summary;
    console.log(
      `# ${name}: ${manifest.frames.length} training frames (segmenter ${manifest.alignment.segmenter?.kind}); pose model from the ${report.poseModel.source}: ` +
        `threshold ${s?.threshold.value.toFixed(2)} (rank ${s?.threshold.rank}/${s?.frames}, bound ${s ? pct(s.threshold.boundRate) : '-'}), ` +
        `angle period ${s?.angle.periodDeg}, spreads x ${s?.components.x.scale.toFixed(1)} px, y ${s?.components.y.scale.toFixed(1)} px, ` +
        `angle ${s?.components.angleDeg.scale.toFixed(1)} deg, scale ${s ? pct(s.components.logScale.scale) : '-'}`,
    );
    console.log(`${name}: alignment ${manifest.decisions?.alignment.mode}, pose model ${s?.model ?? 'none'}${report.poseModel.reason ? ` (${report.poseModel.reason})` : ''}`);
    console.log(`${name}: good flagged ${good.flagged}/${good.images} (${pct(good.share)}), defective flagged ${defective.flagged}/${defective.images} (${pct(defective.share)}); by type ${JSON.stringify(byType)}`);
    const entry: Record<string, unknown> = { good, defective, byType, poseModel: report.poseModel };
    if (args.eval) {
      if (!existsSync(join(restored, '.done'))) {
        await rm(restored, { recursive: true, force: true });
        await mkdir(restored, { recursive: true });
        for await (const f of restoreFrames(new LocalStorage(out))) await writeFile(join(restored, f.fileName), f.png);
        await writeFile(join(restored, '.done'), '');
      }
      // The detector's scores do not depend on the pose rule: kept in the work folder, so a rerun only re-flags.
      const scoresFile = join(work, name, 'eval-cells.json');
      let cells: { seed: number; kernel: string; imageAuroc: number; pixelAuroc: number; imageScores: ImageScore[] }[];
      if (existsSync(scoresFile)) cells = JSON.parse(await readFile(scoresFile, 'utf8'));
      else {
        const result = await evaluateRobustFromFolders(
          { trainDir: restored, testDir: join(transformed, 'test'), groundTruthDir: join(transformed, 'ground_truth') },
          { seeds: ROBUST_SEEDS, kernels: ROBUST_KERNELS },
        );
        cells = result.cells;
        await writeFile(scoresFile, JSON.stringify(cells));
      }
      const pixel = cells.map((c) => c.pixelAuroc);
      console.log(`${name}: pixel AUROC mean ${(pixel.reduce((a, b) => a + b, 0) / pixel.length).toFixed(4)} (min ${Math.min(...pixel).toFixed(4)}), unchanged by the flag`);
      const flag = describePoseFlag(await loadPoseFlags(join(transformed, 'transform-report.json')), cells);
      console.log(flag.text);
      for (const c of flag.json.cells) {
        console.log(`  seed ${c.seed} ${c.kernel.padEnd(8)} image AUROC ${c.imageAuroc.toFixed(4)} -> ${c.imageAurocWithFlag.toFixed(4)} with the flag`);
      }
      entry.eval = flag.json;
    }
    entry.seconds = (performance.now() - started) / 1000;
    console.log(`${name}: ${(entry.seconds as number).toFixed(0)} s`);
    real[name] = entry;
  }
  results.real = real;
}

if (args.json) await writeFile(args.json, JSON.stringify(results, null, 2) + '\n');
if (!args.work) await rm(work, { recursive: true, force: true });
