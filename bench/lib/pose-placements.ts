// One generated placement class through the product: written as an MVTec category (train/good, test/good,
// test/misplaced), compressed, its test set transformed; returns the share of good and misplaced test images
// whose pose transform flagged. Shared by bench/pose-flag.ts and the pose unit test.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFolder, transformFolder } from '../../lambdas/cli/local-runs.ts';
import { encodePng } from '../../lambdas/core/image-io.ts';
import type { PoseSummary } from '../../lambdas/core/pose/summary.ts';
import { placementClass, type PlacementClassOptions, type PlacedShot } from '../../lambdas/core/synthetic/placements.ts';
import type { TransformSummary } from '../../lambdas/core/transform-folder.ts';
import { parseCompressOptions } from '../../lambdas/core/compress/options.ts';
import type { AlignMode } from '../../lambdas/core/decide/index.ts';
import { loadManifest } from '../../lambdas/core/artifacts.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';

export interface PlacementOutcome {
  options: PlacementClassOptions;
  /** the alignment mode compress decided from the training set (decide/alignment-mode.ts) */
  mode: AlignMode | undefined;
  summary: PoseSummary | null;
  /** why there is no pose model, when there is none */
  reason?: string;
  good: { images: number; flagged: number; share: number };
  misplaced: { images: number; flagged: number; share: number };
  /** the misplaced shots that were not flagged, with what had been done to them and their distance */
  missed: { name: string; misplacement: PlacedShot['misplacement']; distance: number | null }[];
  /** the test images' report entries */
  entries: TransformSummary['report'];
  seconds: number;
}

export async function runPlacementClass(options: PlacementClassOptions, workDir?: string): Promise<PlacementOutcome> {
  const started = performance.now();
  const root = workDir ?? (await mkdtemp(join(tmpdir(), 'adreel-pose-')));
  const category = join(root, 'category');
  const truth = new Map<string, PlacedShot>();
  try {
    for (const dir of ['train/good', 'test/good', 'test/misplaced']) await mkdir(join(category, dir), { recursive: true });
    for (const shot of placementClass(options)) {
      const dir = shot.role === 'train' ? 'train/good' : shot.role === 'good' ? 'test/good' : 'test/misplaced';
      await writeFile(join(category, dir, shot.name), await encodePng(shot.image));
      truth.set(shot.name.replace(/\.png$/, ''), { ...shot, image: { ...shot.image, data: new Uint8Array(0) } });
    }
    const out = join(root, 'out');
    await compressFolder(category, out, parseCompressOptions({ crf: 28, threads: 1, segmenter: 'threshold' }));
    const dest = join(root, 'transformed');
    await transformFolder(out, category, dest);
    const report = JSON.parse(await readFile(join(dest, 'transform-report.json'), 'utf8')) as TransformSummary;
    const manifest = await loadManifest(new LocalStorage(out));
    const count = (type: string) => {
      const entries = report.report.filter((e) => e.file.startsWith(`test/${type}/`));
      const flagged = entries.filter((e) => e.pose?.flagged).length;
      return { images: entries.length, flagged, share: entries.length ? flagged / entries.length : NaN };
    };
    const missed = report.report
      .filter((e) => e.file.startsWith('test/misplaced/') && !e.pose?.flagged)
      .map((e) => {
        const stem = e.file.replace(/^.*\//, '').replace(/\.png$/, '');
        return { name: stem, misplacement: truth.get(stem)?.misplacement, distance: e.pose?.distance ?? null };
      });
    return {
      options,
      mode: manifest.decisions?.alignment.mode,
      summary: report.poseModel.summary,
      ...(report.poseModel.reason ? { reason: report.poseModel.reason } : {}),
      good: count('good'),
      misplaced: count('misplaced'),
      missed,
      entries: report.report.filter((e) => e.file.startsWith('test/')),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (!workDir) await rm(root, { recursive: true, force: true });
  }
}
