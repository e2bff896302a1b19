// Transform a local folder: a plain folder of images, or an MVTec category whose test/ and ground_truth/ are
// written to the destination in the same layout (every output written as PNG under the input's stem). The adreel
// output is read through `open` (handed in by the composition: lambdas/cli/local-runs.ts binds LocalStorage).
import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { OpenFolder } from '../ground/storage.ts';
import { stemOf, IMAGE_NAME } from './dataset.ts';
import { DatasetError } from '../ground/errors.ts';
import { foldName } from './manifest.ts';
import { decodeMask, encodeMaskPng, encodePng } from './image-io.ts';
import { listDir, StagedFolder } from './staged-folder.ts';
import { openTransformer, type TransformedImage } from './transform.ts';
import type { Affine } from './types.ts';
import { TRANSFORM_REPORT_FILE, TransformReportBuilder, serializeTransformReport, type TransformReport } from './transform-report.ts';

/** transformFolder's result is the report it wrote (lambdas/core/transform-report.ts). */
export type TransformSummary = TransformReport;

export async function transformFolder(
  open: OpenFolder,
  outDir: string,
  inputDir: string,
  destDir: string,
  opts: { modelPath?: string; overwrite?: boolean; log?: (m: string) => void; onProgress?: (stage: string, done: number, total: number) => void } = {},
): Promise<TransformSummary> {
  const jobs = await planTransform(inputDir);
  if (jobs.length === 0) throw new DatasetError('no images to transform', inputDir);
  assertNoOutputCollisions(jobs, inputDir);
  const staged = await StagedFolder.open(destDir, {
    overwrite: opts.overwrite,
    disjointFrom: [
      { path: outDir, role: 'adreel output folder' },
      { path: inputDir, role: 'input folder' },
    ],
    log: opts.log,
  });
  let transformer;
  try {
    transformer = await openTransformer(open(outDir), { modelPath: opts.modelPath });
  } catch (err) {
    await staged.abort();
    throw err;
  }
  const report = new TransformReportBuilder(transformer);
  try {
    for (const job of jobs) {
      const t: TransformedImage = await transformer.transformImage(await readFile(job.imagePath), job.imagePath);
      await staged.write(job.imageOut, await encodePng(t.image));
      if (job.gtPath && job.gtOut) {
        const gt = await decodeMask(await readFile(job.gtPath), job.gtPath);
        await staged.write(job.gtOut, await encodeMaskPng(await transformer.transformMask(gt, t.matrix as Affine | null)));
      }
      report.add(basename(job.imagePath), job.imageOut, t, job.gtOut);
      opts.onProgress?.('transform', report.size, jobs.length);
    }
    const summary = report.finish();
    await staged.write(TRANSFORM_REPORT_FILE, serializeTransformReport(summary));
    await staged.commit();
    return summary;
  } catch (err) {
    await staged.abort();
    throw err;
  } finally {
    await transformer.close();
  }
}

/** Two inputs that would be written under one output name (x.png and x.jpg -> x.png) are refused before any work. */
function assertNoOutputCollisions(jobs: TransformJob[], inputDir: string): void {
  const seen = new Map<string, string>();
  for (const job of jobs) {
    for (const [out, src] of [[job.imageOut, job.imagePath], ...(job.gtOut && job.gtPath ? [[job.gtOut, job.gtPath]] : [])] as [string, string][]) {
      const key = foldName(out);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new DatasetError(
          `"${relative(inputDir, other)}" and "${relative(inputDir, src)}" would both be written as ${out} (names that differ only in extension, letter case or Unicode form); rename one`,
          src,
        );
      }
      seen.set(key, src);
    }
  }
}

interface TransformJob {
  imagePath: string;
  imageOut: string;
  gtPath?: string;
  gtOut?: string;
}

/** MVTec: test/<type>/<name> with ground_truth/<type>/<stem>_mask.png when present; else the folder's images. */
async function planTransform(inputDir: string): Promise<TransformJob[]> {
  const testDir = join(inputDir, 'test');
  const types = (await listDir(testDir)).filter((e) => e.isDir).map((e) => e.name).sort();
  const jobs: TransformJob[] = [];
  if (types.length > 0) {
    for (const type of types) {
      const gtNames = new Set((await listDir(join(inputDir, 'ground_truth', type))).map((e) => e.name));
      for (const f of (await listDir(join(testDir, type))).filter((e) => !e.isDir && IMAGE_NAME.test(e.name)).map((e) => e.name).sort()) {
        const stem = stemOf(f);
        const job: TransformJob = { imagePath: join(testDir, type, f), imageOut: `test/${type}/${stem}.png` };
        const gt = [...gtNames].find((n) => stemOf(n) === `${stem}_mask`);
        if (gt) {
          job.gtPath = join(inputDir, 'ground_truth', type, gt);
          job.gtOut = `ground_truth/${type}/${stem}_mask.png`;
        }
        jobs.push(job);
      }
    }
    return jobs;
  }
  for (const f of (await listDir(inputDir)).filter((e) => !e.isDir && IMAGE_NAME.test(e.name)).map((e) => e.name).sort()) {
    jobs.push({ imagePath: join(inputDir, f), imageOut: `${stemOf(f)}.png` });
  }
  return jobs;
}
