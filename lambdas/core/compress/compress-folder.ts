// The whole compress run on local folders: the same stages the cloud runs, one after another in this process.
// Output is staged in a sibling folder and renamed into place, so it appears complete or not at all.
// Every function here is handed `open` (a folder -> Storage) by its composition (lambdas/cli/local-runs.ts binds
// LocalStorage): the core imports the Storage port only.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FolderStorage, OpenFolder } from '../../ground/storage.ts';
import { mvtecClasses, resolveDataset, type DatasetListing, type SourceLayout } from '../dataset.ts';
import { AdreelError, DatasetError, UsageError } from '../../ground/errors.ts';
import { sha256 } from '../hash.ts';
import { compactDecisions, type Decisions, type Outlier } from '../decide/index.ts';
import { onInterrupt } from '../interrupt.ts';
import { parseManifest, type Manifest } from '../manifest.ts';
import { assertDisjoint, filesBelow, fsError, lockDestination, nameDestination, publishStaging, siblingName } from '../output-safety.ts';
import { withScratchRoot } from '../scratch.ts';
import { assertNoDanglingLinks, mixedSizesWarning } from '../input-checks.ts';
import { outputOverhead, type OutputOverhead } from '../inspect.ts';
import { buildRunSummary, classFigures, RUN_SUMMARY_FILE, serializeRunSummary, type ClassSummary, type RunSummary } from '../run-summary.ts';
import { alignMaskStage, openAlignWorker } from './align-mask.ts';
import { encodeStage, type EncodedReel } from './encode.ts';
import { resolveFfmpeg } from '../reel/ffmpeg.ts';
import { KEYS, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';
import { reuseAlignmentStages } from './reuse-alignment.ts';
import { DEFAULT_QUALITY_TOLERANCE, type CompressOptions } from './options.ts';
import { qualityAutoStage, type QualityProbe } from '../quality/stage.ts';
import type { FeatureExtractor } from '../quality/search.ts';
import { prepareReferenceStage } from './prepare-reference.ts';
import { mapPool } from '../map-pool.ts';
import { datasetId, publishManifestStage } from './publish.ts';
import { unionMaskStage } from './union.ts';
import { WORK_PREFIX } from '../run-state/index.ts';

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
  /** --quality auto's eyes: opens the detector's feature extractor (the CLI composition binds the PaDiM backbone) */
  qualityFeatures?: (options: CompressOptions) => Promise<FeatureExtractor>;
  /** diagnostics for benches: extra CRFs measured on the held-out frames, and each trial's feature maps */
  qualityProbe?: QualityProbe;
}

/** The images of a local input folder, by the dataset layout rule (lambdas/core/dataset.ts). */
export async function resolveInputFolder(open: OpenFolder, inputDir: string): Promise<{ dir: string; source: FolderStorage; layout: SourceLayout; listing: DatasetListing }> {
  const root = resolve(inputDir);
  if (!(await isDir(root))) throw new DatasetError('input folder does not exist or is not a folder', root);
  const source = open(root);
  const { imagesPrefix, layout, listing } = await resolveDataset(source, '');
  return { dir: imagesPrefix ? join(root, ...imagesPrefix.split('/')) : root, source, layout, listing };
}

export async function compressFolder(
  open: OpenFolder,
  inputDir: string,
  outDir: string,
  options: CompressOptions,
  hooks: RunHooks = {},
): Promise<CompressSummary> {
  const input = await resolveInputFolder(open, inputDir);
  const out = resolve(outDir);
  await assertDisjoint({ path: out, role: 'output folder' }, { path: inputDir, role: 'input folder' });
  const { source, listing } = input;
  // the first pass: named before any alignment
  await assertNoDanglingLinks(input.dir);
  const mixed = await mixedSizesWarning(source.root, listing.entries);
  if (mixed && !options.align && options.mask) {
    throw new DatasetError(`${mixed.replace(/; each is warped.*$/, '')}: mixed sizes need alignment (drop --no-align or resize the inputs)`, input.dir);
  }
  if (mixed) hooks.log?.(`warning: ${mixed}`);
  // an unusable FFMPEG_PATH (or no ffmpeg at all) is named now, not after the alignment
  await resolveFfmpeg();
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
  // one compress per output folder at a time; leftovers of killed runs beside it are removed (and named)
  const lock = await lockDestination(out, hooks.log);
  const staging = siblingName(out, 'staging');
  const scratch = siblingName(out, 'scratch');
  const unregister = onInterrupt(async () => {
    await rm(staging, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });
  lap('hash');

  const target = open(staging);
  const ctx: StageContext = { source, target, onProgress: hooks.onProgress, log: hooks.log };
  try {
    const previous = await assertWritableOutput(out, id); // again, under the lock
    const { manifest, reel, union } = await withScratchRoot(scratch, async () => {
      const { job, drafts, union } = options.reuseAlignment
        ? await reuseAlignmentStages(ctx, open(resolve(options.reuseAlignment)), listing, input.layout, options, id)
        : await alignStages(ctx, listing, input.layout, options, lap);
      if (options.reuseAlignment) lap('reuse-alignment');
      if (drafts.every((d) => d.dropped)) throw new DatasetError('every image was dropped; nothing to encode', input.dir);
      if (options.quality === 'auto') {
        await chooseQuality(ctx, job, drafts, union, options, hooks);
        lap('quality');
      }
      const reel = await encodeStage(ctx, job, drafts, union, { concurrency: hooks.encodeConcurrency });
      seconds.encode = reel.seconds.encode;
      seconds.verify = reel.seconds.decode;
      t = performance.now();
      const manifest = await publishManifestStage(ctx, job, drafts, union, reel);
      if (manifest.dataset.id !== id) throw new DatasetError('input files changed while being compressed', input.dir);
      await target.deletePrefix(WORK_PREFIX);
      return { manifest, reel, union };
    });
    await swapInto(staging, out, previous);
    lap('publish');
    return await summarizeOutput(open, out, manifest, reel, union, seconds);
  } catch (err) {
    if (!process.env.ADREEL_KEEP_PARTIAL) await rm(staging, { recursive: true, force: true });
    throw nameDestination(fsError(err, staging, 'cannot write the output'), out);
  } finally {
    unregister();
    await rm(scratch, { recursive: true, force: true });
    await lock.release();
  }
}

/** --quality auto: the CRF chosen from held-out training frames replaces the option; the decision goes to the manifest. */
async function chooseQuality(ctx: StageContext, job: JobState, drafts: FrameDraft[], union: UnionResult | null, options: CompressOptions, hooks: RunHooks): Promise<void> {
  if (!hooks.qualityFeatures) throw new UsageError('--quality auto needs the detector backbone (--backbone PATH), which this composition does not provide; give --crf N instead');
  const features = await hooks.qualityFeatures(options);
  try {
    const decision = await qualityAutoStage(ctx, job, drafts, union, features, { tolerance: options.qualityTolerance ?? DEFAULT_QUALITY_TOLERANCE, probe: hooks.qualityProbe });
    const { quality: _q, qualityTolerance: _t, backbonePath: _b, ...rest } = job.options;
    job.options = { ...rest, crf: decision.crf };
    job.quality = decision;
    hooks.log?.(`quality auto: CRF ${decision.crf} (${decision.met ? 'within' : 'NOT within'} tolerance ${decision.tolerance}; ${decision.trials.length} trial encodes of ${decision.heldOut.length} held-out frames)`);
  } finally {
    await features.close?.();
  }
}

/** The files an adreel manifest lists as its output: the only ones a recompress may replace. */
export function manifestArtifacts(m: Manifest): string[] {
  const files = [KEYS.manifest, m.reference.file, ...m.reels.map((r) => r.file)];
  if (m.reference.maskFile) files.push(m.reference.maskFile);
  if (m.mask) files.push(m.mask.file);
  return [...new Set(files)].sort();
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
  const drafts = await alignFramesStage(ctx, job, (done, total) => ctx.onProgress?.(options.align ? 'align+mask' : 'prepare', done, total));
  lap('align');
  if (drafts.every((d) => d.dropped)) return { job, drafts, union: null };
  const union = await unionMaskStage(ctx, job, drafts);
  lap('union');
  return { job, drafts, union };
}

/** Stage 2 over every image, one after another in this process (one align worker): the drafts in entry order. */
export async function alignFramesStage(ctx: StageContext, job: JobState, onAligned?: (done: number, total: number) => void): Promise<FrameDraft[]> {
  const worker = await openAlignWorker(ctx, job);
  const drafts: FrameDraft[] = [];
  try {
    for (let i = 0; i < job.entries.length; i++) {
      drafts.push(await alignMaskStage(ctx, job, worker, i));
      onAligned?.(i + 1, job.entries.length);
    }
  } finally {
    await worker.close();
  }
  return drafts;
}

/**
 * An output folder may be new, empty, or hold an earlier run of the same dataset and nothing else (only the files
 * its manifest lists); anything else is refused. Returns the files a recompress replaces.
 */
async function assertWritableOutput(out: string, id: string): Promise<string[]> {
  if (!(await isDir(out))) {
    if (await exists(out)) throw new DatasetError('output path exists and is not a folder', out);
    return [];
  }
  const files = await filesBelow(out);
  if (files.length === 0 && (await readdir(out)).length === 0) return [];
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(await readFile(join(out, KEYS.manifest), 'utf8')), join(out, KEYS.manifest));
  } catch {
    throw new DatasetError('output folder is not empty and holds no adreel manifest (or an invalid one); refusing to overwrite it (choose a new or empty folder)', out);
  }
  if (manifest.dataset.id !== id) {
    throw new DatasetError(
      `output folder holds another dataset (id ${manifest.dataset.id.slice(0, 12)}, this one is ${id.slice(0, 12)}); choose another folder`,
      out,
    );
  }
  const listed = new Set(manifestArtifacts(manifest));
  const foreign = [...files.filter((f) => !listed.has(f)), ...(await emptyDirs(out))];
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).map((f) => JSON.stringify(f)).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
    throw new DatasetError(
      `output folder holds ${shown}, which its manifest does not list; a recompress replaces only adreel's own files: move them away or choose another folder`,
      out,
    );
  }
  return files;
}

async function emptyDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory() && (await filesBelow(join(dir, e.name))).length === 0) out.push(`${e.name}/`);
  }
  return out;
}

/** Publishes the staging folder as `out` with one rename; an earlier output is moved aside and only its listed files deleted. */
async function swapInto(staging: string, out: string, previous: string[]): Promise<void> {
  await publishStaging(staging, out, previous);
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
export async function listClasses(open: OpenFolder, inputDir: string): Promise<string[] | null> {
  const root = resolve(inputDir);
  if (!(await isDir(root))) throw new DatasetError('input folder does not exist or is not a folder', root);
  return mvtecClasses(open(root), '');
}

/**
 * An MVTec-style root with several categories: each class compressed into `<outDir>/<class>/` (a complete output:
 * its own reference, mask, reel and manifest), `classConcurrency` classes at a time, then one run summary.
 */
export async function compressClasses(
  open: OpenFolder,
  inputDir: string,
  outDir: string,
  options: CompressOptions,
  hooks: RunHooks & { classConcurrency?: number; classes?: string[] } = {},
): Promise<RunSummary> {
  const root = resolve(inputDir);
  const out = resolve(outDir);
  const classes = hooks.classes ?? (await listClasses(open, root));
  if (!classes || classes.length === 0) throw new DatasetError('no categories (sub-folders with train/good) found', root);
  await assertDisjoint({ path: out, role: 'output folder' }, { path: root, role: 'input folder' });
  await assertMultiClassOutput(out, classes);
  await mkdir(out, { recursive: true }).catch((err) => {
    throw fsError(err, out, 'cannot create the output folder');
  });
  const t0 = performance.now();
  const concurrency = hooks.classConcurrency ?? Math.min(2, classes.length);
  // A class that fails is named and marked in the summary; the other classes' complete outputs stay.
  const failed: { class: string; error: string }[] = [];
  const settled = await mapPool(classes, concurrency, async (cls): Promise<ClassSummary | undefined> => {
    try {
      const s = await compressFolder(open, join(root, cls), join(out, cls), options, {
        ...hooks,
        onProgress: hooks.onProgress ? (stage, done, total) => hooks.onProgress!(`${cls}: ${stage}`, done, total) : undefined,
        log: hooks.log ? (m) => hooks.log!(`${cls}: ${m}`) : undefined,
      });
      return {
        class: cls,
        outDir: s.outDir,
        ...classFigures(s.manifest, await open(s.outDir).list('')),
        psnrDb: Number.isFinite(s.psnrDb) ? s.psnrDb : null,
        seconds: s.seconds,
      } satisfies ClassSummary;
    } catch (err) {
      if (!(err instanceof AdreelError)) throw err;
      failed.push({ class: cls, error: err.message });
      return undefined;
    }
  });
  const results = settled.filter((r) => r !== undefined) as ClassSummary[];
  const summary = buildRunSummary(
    {
      input: root,
      outDir: out,
      seconds: (performance.now() - t0) / 1000,
      ...(failed.length > 0 ? { failed: failed.sort((a, b) => (a.class < b.class ? -1 : 1)) } : {}),
    },
    results,
  );
  // a folder Storage writes beside and renames: a summary is there complete or not at all
  await open(out).put(RUN_SUMMARY_FILE, serializeRunSummary(summary));
  if (summary.failed) throw new ClassesFailedError(summary, join(out, RUN_SUMMARY_FILE));
  return summary;
}

/** Some classes of a multi-class run failed: their names and errors; the summary (written) lists the others. */
export class ClassesFailedError extends DatasetError {
  constructor(readonly summary: RunSummary, summaryFile: string) {
    const failed = summary.failed ?? [];
    super(
      `${failed.length} of ${failed.length + summary.classes.length} classes failed: ` +
        failed.map((f) => `class "${f.class}": ${f.error}`).join('; ') +
        ` (the other classes' outputs are complete; ${summaryFile} marks the failed ones)`,
    );
  }
}

/** A multi-class output folder holds only class outputs, the run summary and adreel's own hidden siblings. */
async function assertMultiClassOutput(out: string, classes: string[]): Promise<void> {
  const entries = await readdir(out, { withFileTypes: true }).catch(() => []);
  const names = new Set(classes);
  const foreign = entries
    .filter((e) => !(e.isDirectory() && names.has(e.name)) && !(e.isFile() && e.name === RUN_SUMMARY_FILE) && !/^\..+\.adreel-/.test(e.name))
    .map((e) => e.name);
  if (foreign.length > 0) {
    throw new DatasetError(
      `output folder holds ${foreign.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}, ` +
        'which are not outputs of these classes; move them away or choose another folder',
      out,
    );
  }
}

/** The figures of a finished output: sizes from the folder itself, quality from the encode's decode check. */
export async function summarizeOutput(
  open: OpenFolder,
  out: string,
  manifest: Manifest,
  reel: EncodedReel,
  union: UnionResult | null,
  seconds: Record<string, number>,
): Promise<CompressSummary> {
  const files = await open(out).list('');
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
