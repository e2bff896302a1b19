// The whole compress run on local folders: the same stages the cloud runs, one after another in this process.
// Output is staged in a sibling folder and renamed into place, so it appears complete or not at all.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LocalStorage } from '../../storage/local.ts';
import { mvtecClasses, resolveDataset, type DatasetListing, type SourceLayout } from '../dataset.ts';
import { DatasetError } from '../../ground/errors.ts';
import { sha256 } from '../hash.ts';
import { compactDecisions, type Decisions, type Outlier } from '../decide/index.ts';
import { parseManifest, type Manifest } from '../manifest.ts';
import { outputOverhead, type OutputOverhead } from '../inspect.ts';
import { buildRunSummary, classFigures, RUN_SUMMARY_FILE, serializeRunSummary, type ClassSummary, type RunSummary } from '../run-summary.ts';
import { alignMaskStage, openAlignWorker } from './align-mask.ts';
import { encodeStage, type EncodedReel } from './encode.ts';
import { KEYS, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';
import { reuseAlignmentStages } from './reuse-alignment.ts';
import type { CompressOptions } from './options.ts';
import { prepareReferenceStage } from './prepare-reference.ts';
import { mapPool } from '../map-pool.ts';
import { datasetId, publishManifestStage } from './publish.ts';
import { unionMaskStage } from './union.ts';

export interface CompressSummary {
  outDir: string;
  frames: number;
  dropped: number;
  inputBytes: number;
  reelBytes: number;
  /** reel segments (1 = the unsegmented reel.mp4) */
  segments: number;
  /** everything in the output folder: what a user stores (the headline size) */
  outputBytes: number;
  /** what the output holds besides the reel (manifest, reference, masks) */
  overhead: OutputOverhead;
  /** input bytes / output bytes (the headline ratio) */
  ratio: number;
  /** input bytes / reel bytes (the reel-only ratio) */
  reelRatio: number;
  /** mean PSNR (dB) of decoded frames inside the union mask; Infinity when lossless */
  psnrDb: number;
  unionFraction: number | null;
  seconds: Record<string, number>;
  warnings: string[];
  /** the decisions taken from the dataset, with evidence (decide/); absent for outputs written before them */
  decisions?: Decisions;
  /** frames kept but flagged as low outliers of their dataset, with their margin to the gate */
  outliers?: Outlier[];
  manifest: Manifest;
}

export interface RunHooks {
  onProgress?: StageContext['onProgress'];
  log?: StageContext['log'];
  /** reel segments encoded at the same time (ffmpeg processes); default: the machine's cores */
  encodeConcurrency?: number;
}

/** The images of a local input folder, by the dataset layout rule (lambdas/core/dataset.ts). */
export async function resolveInputFolder(inputDir: string): Promise<{ dir: string; source: LocalStorage; layout: SourceLayout; listing: DatasetListing }> {
  const root = resolve(inputDir);
  if (!(await isDir(root))) throw new DatasetError('input folder does not exist or is not a folder', root);
  const source = new LocalStorage(root);
  const { imagesPrefix, layout, listing } = await resolveDataset(source, '');
  return { dir: imagesPrefix ? join(root, ...imagesPrefix.split('/')) : root, source, layout, listing };
}

export async function compressFolder(
  inputDir: string,
  outDir: string,
  options: CompressOptions,
  hooks: RunHooks = {},
): Promise<CompressSummary> {
  const input = await resolveInputFolder(inputDir);
  const out = resolve(outDir);
  if (out === input.dir || out.startsWith(input.dir + '/')) {
    throw new DatasetError('output folder must not be inside the input folder (inputs are never modified)', out);
  }
  const { source, listing } = input;
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    seconds[stage] = (seconds[stage] ?? 0) + (now - t) / 1000;
    t = now;
  };

  // Refuse early (before hours of work) to overwrite a folder that holds something else.
  const hashes = [];
  for (const e of listing.entries) hashes.push({ name: e.name, sha256: sha256(await source.get(e.key)) });
  const id = datasetId(hashes);
  await assertWritableOutput(out, id);
  lap('hash');

  const staging = join(dirname(out), `.${basename(out)}.adreel-partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const target = new LocalStorage(staging);
  const ctx: StageContext = { source, target, onProgress: hooks.onProgress, log: hooks.log };
  try {
    const { job, drafts, union } = options.reuseAlignment
      ? await reuseAlignmentStages(ctx, listing, input.layout, options, id)
      : await alignStages(ctx, listing, input.layout, options, lap);
    if (options.reuseAlignment) lap('reuse-alignment');
    if (drafts.every((d) => d.dropped)) throw new DatasetError('every image was dropped; nothing to encode', input.dir);
    const reel = await encodeStage(ctx, job, drafts, union, { concurrency: hooks.encodeConcurrency });
    seconds.encode = reel.seconds.encode;
    seconds.verify = reel.seconds.decode;
    t = performance.now();
    const manifest = await publishManifestStage(ctx, job, drafts, union, reel);
    if (manifest.dataset.id !== id) throw new DatasetError('input files changed while being compressed', input.dir);
    await target.deletePrefix(KEYS.work);
    await swapInto(staging, out);
    lap('publish');
    return await summarizeOutput(out, manifest, reel, union, seconds);
  } catch (err) {
    if (!process.env.ADREEL_KEEP_PARTIAL) await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Stages 1-3: reference, align + mask (one image after another), union. */
async function alignStages(
  ctx: StageContext,
  listing: DatasetListing,
  layout: SourceLayout,
  options: CompressOptions,
  lap: (stage: string) => void,
): Promise<{ job: JobState; drafts: FrameDraft[]; union: UnionResult | null }> {
  const job = await prepareReferenceStage(ctx, listing, layout, options);
  lap('reference');
  const worker = await openAlignWorker(ctx, job);
  const drafts: FrameDraft[] = [];
  try {
    for (let i = 0; i < job.entries.length; i++) {
      drafts.push(await alignMaskStage(ctx, job, worker, i));
      ctx.onProgress?.(options.align ? 'align+mask' : 'prepare', i + 1, job.entries.length);
    }
  } finally {
    await worker.close();
  }
  lap('align');
  if (drafts.every((d) => d.dropped)) return { job, drafts, union: null };
  const union = await unionMaskStage(ctx, job, drafts);
  lap('union');
  return { job, drafts, union };
}

/** An output folder may be new, empty, or hold an earlier run of the same dataset; anything else is refused. */
async function assertWritableOutput(out: string, id: string): Promise<void> {
  if (!(await isDir(out))) {
    if (await exists(out)) throw new DatasetError('output path exists and is not a folder', out);
    return;
  }
  const files = await new LocalStorage(out).list('');
  if (files.length === 0) return;
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(await readFile(join(out, KEYS.manifest), 'utf8')), join(out, KEYS.manifest));
  } catch {
    throw new DatasetError('output folder is not empty and holds no adreel manifest; refusing to overwrite it', out);
  }
  if (manifest.dataset.id !== id) {
    throw new DatasetError(
      `output folder holds another dataset (id ${manifest.dataset.id.slice(0, 12)}, this one is ${id.slice(0, 12)}); choose another folder`,
      out,
    );
  }
}

async function swapInto(staging: string, out: string): Promise<void> {
  const old = `${out}.adreel-old-${process.pid}`;
  const hadOld = await exists(out);
  if (hadOld) await rename(out, old);
  await rename(staging, out);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The categories of a local MVTec-style root, or null when the folder is one dataset (lambdas/core/dataset.ts). */
export async function listClasses(inputDir: string): Promise<string[] | null> {
  const root = resolve(inputDir);
  if (!(await isDir(root))) throw new DatasetError('input folder does not exist or is not a folder', root);
  return mvtecClasses(new LocalStorage(root), '');
}

/**
 * An MVTec-style root with several categories: each class compressed into `<outDir>/<class>/` (a complete output:
 * its own reference, mask, reel and manifest), `classConcurrency` classes at a time, then one run summary.
 */
export async function compressClasses(
  inputDir: string,
  outDir: string,
  options: CompressOptions,
  hooks: RunHooks & { classConcurrency?: number; classes?: string[] } = {},
): Promise<RunSummary> {
  const root = resolve(inputDir);
  const out = resolve(outDir);
  const classes = hooks.classes ?? (await listClasses(root));
  if (!classes || classes.length === 0) throw new DatasetError('no categories (sub-folders with train/good) found', root);
  if (out === root || out.startsWith(root + '/')) {
    throw new DatasetError('output folder must not be inside the input folder (inputs are never modified)', out);
  }
  await mkdir(out, { recursive: true });
  const t0 = performance.now();
  const concurrency = hooks.classConcurrency ?? Math.min(2, classes.length);
  const results = await mapPool(classes, concurrency, async (cls) => {
    const s = await compressFolder(join(root, cls), join(out, cls), options, {
      ...hooks,
      onProgress: hooks.onProgress ? (stage, done, total) => hooks.onProgress!(`${cls}: ${stage}`, done, total) : undefined,
      log: hooks.log ? (m) => hooks.log!(`${cls}: ${m}`) : undefined,
    });
    return {
      class: cls,
      outDir: s.outDir,
      ...classFigures(s.manifest, await new LocalStorage(s.outDir).list('')),
      psnrDb: Number.isFinite(s.psnrDb) ? s.psnrDb : null,
      seconds: s.seconds,
    } satisfies ClassSummary;
  });
  const summary = buildRunSummary({ input: root, outDir: out, seconds: (performance.now() - t0) / 1000 }, results);
  // LocalStorage writes beside and renames: a summary is there complete or not at all
  await new LocalStorage(out).put(RUN_SUMMARY_FILE, serializeRunSummary(summary));
  return summary;
}

/** The figures of a finished output: sizes from the folder itself, quality from the encode's decode check. */
export async function summarizeOutput(
  out: string,
  manifest: Manifest,
  reel: EncodedReel,
  union: UnionResult | null,
  seconds: Record<string, number>,
): Promise<CompressSummary> {
  const files = await new LocalStorage(out).list('');
  const outputBytes = files.reduce((s, o) => s + o.bytes, 0);
  const finite = reel.psnrDb.filter(Number.isFinite);
  return {
    outDir: out,
    frames: manifest.frames.length,
    dropped: manifest.dropped.length,
    inputBytes: manifest.dataset.inputBytes,
    reelBytes: reel.bytes,
    segments: reel.segments.length,
    outputBytes,
    overhead: outputOverhead(manifest, files),
    ratio: manifest.dataset.inputBytes / outputBytes,
    reelRatio: manifest.dataset.inputBytes / reel.bytes,
    psnrDb: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Infinity,
    unionFraction: union?.unionFraction ?? null,
    seconds,
    warnings: manifest.warnings,
    ...(manifest.decisions ? { decisions: compactDecisions(manifest.decisions), outliers: manifest.decisions.misalignment.outliers ?? [] } : {}),
    manifest,
  };
}
