// One benchmark point from images to AUROC, every stage cached by what it depends on:
//   build     compress the training set with adreel's own compressFolder (reels of one alignment group through
//             --reuse-alignment, family.ts: the same bytes) and restore it with restoreFrames (or round-trip every
//             image through a per-image codec), keyed by options + inputs + code;
//   transform the test set through transformFolder with the variant's own output (aligned and/or masked variants
//             only), keyed by the output's geometry (reference, masks) + test inputs + code, so rows that differ
//             only in CRF share one;
//   evaluate  PaDiM per seed, keyed by the training frames' and test set's keys + evaluator code + backbone.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compressFolder, transformFolder } from '../../../lambdas/cli/local-runs.ts';
import type { CompressSummary } from '../../../lambdas/core/compress/compress-folder.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';
import type { Manifest } from '../../../lambdas/core/manifest.ts';
import { hasManifest, loadManifest } from '../../../lambdas/core/artifacts.ts';
import { resolveFfmpeg } from '../../../lambdas/core/reel/ffmpeg.ts';
import { restoreFrames } from '../../../lambdas/core/restore.ts';
import { evaluateFromFolders, type EvalResult } from '../../../lambdas/eval/evaluate.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { cachedFolder, cachedFolders, readJson, writeJson } from './cache.ts';
import { compressFamily } from './family.ts';
import { keyOf, type BuildFingerprint, type EvalFingerprint } from './fingerprint.ts';
import { roundTrip, codecArgs } from './image-codecs.ts';
import type { BenchInputs } from './inputs.ts';
import type { VariantSpec } from './variants.ts';

export type Log = (message: string) => void;

export interface BuildRecord {
  key: string;
  /** training-set bytes: reel bytes (adreel), summed image files (per-image codec), PNG bytes (raw) */
  bytes: number;
  /** everything in the adreel output folder (reel, manifest, masks, reference) */
  outputBytes?: number;
  inputBytes: number;
  frames: number;
  dropped?: number;
  psnrDb?: number | null;
  unionFraction?: number | null;
  crop?: Manifest['frame']['crop'];
  segmenter?: string | null;
  alignedOk?: number;
  /** frames whose alignment the engine flagged (ok: false) */
  alignFlagged?: number;
  codec?: Manifest['codec'];
  warnings?: number;
  /** seconds per compress stage (adreel) */
  stageSeconds?: Record<string, number>;
  /** cache key of the build whose alignment this reel reused (--reuse-alignment; family.ts): its build seconds are
   * the re-encode's, the alignment's are that build's */
  reusedAlignment?: string;
  seconds: { build: number; restore?: number };
}

export interface BuiltVariant {
  spec: VariantSpec;
  build: BuildRecord;
  /** adreel output folder (manifest, reel, reference, union mask) */
  outDir?: string;
  trainDir: string;
  testDir: string;
  groundTruthDir: string;
  /** key of the test set used (raw or a transform) */
  testKey: string;
  transform?: { key: string; seconds: number; flagged: number; cached: boolean };
  cached: boolean;
}

export interface SeedResult {
  seed: number;
  imageAuroc: number;
  pixelAuroc: number;
  seconds: EvalResult['seconds'];
  trainCount: number;
  testCount: number;
  cached: boolean;
  imageScores: EvalResult['imageScores'];
}

export interface PipelineContext {
  cacheDir: string;
  inputs: BenchInputs;
  buildFp: BuildFingerprint;
  evalFp: EvalFingerprint;
  log: Log;
  onProgress?: (stage: string, done: number, total: number) => void;
}

function since(t: number): number {
  return (performance.now() - t) / 1000;
}

export function buildKey(spec: VariantSpec, ctx: PipelineContext): string {
  const what =
    spec.kind === 'reel'
      ? { kind: 'reel', options: parseCompressOptions(spec.options), fp: ctx.buildFp }
      : spec.kind === 'image-codec'
        ? { kind: 'image-codec', codec: spec.codec, args: codecArgs(spec.codec, spec.quality).args, ffmpeg: ctx.buildFp.ffmpeg }
        : { kind: 'raw' };
  return keyOf({ ...what, train: ctx.inputs.trainIdentity });
}

/** Restores a fresh adreel output into <partial>/train and records what the build cost and made. */
async function finishReelBuild(partial: string, key: string, s: CompressSummary, buildSeconds: number, ctx: PipelineContext, reusedAlignment?: string): Promise<void> {
  const t1 = performance.now();
  const train = join(partial, 'train');
  await mkdir(train, { recursive: true });
  for await (const f of restoreFrames(new LocalStorage(join(partial, 'out')), { onProgress: ctx.onProgress })) {
    await writeFile(join(train, f.fileName), f.png);
  }
  const record: BuildRecord = {
    key,
    bytes: s.reelBytes,
    outputBytes: s.outputBytes,
    inputBytes: s.inputBytes,
    frames: s.frames,
    dropped: s.dropped,
    psnrDb: Number.isFinite(s.psnrDb) ? s.psnrDb : null,
    unionFraction: s.unionFraction,
    crop: s.manifest.frame.crop,
    segmenter: s.manifest.alignment.segmenter?.kind ?? null,
    alignedOk: s.manifest.frames.filter((f) => f.alignment?.ok).length,
    alignFlagged: s.manifest.frames.filter((f) => f.alignment && !f.alignment.ok).length,
    codec: s.manifest.codec,
    warnings: s.warnings.length,
    stageSeconds: s.seconds,
    ...(reusedAlignment ? { reusedAlignment } : {}),
    seconds: { build: buildSeconds, restore: since(t1) },
  };
  await writeJson(join(partial, 'build.json'), record);
}

async function buildReel(spec: Extract<VariantSpec, { kind: 'reel' }>, key: string, ctx: PipelineContext): Promise<boolean> {
  const dir = join(ctx.cacheDir, 'builds', key);
  return cachedFolder(dir, async (partial) => {
    const t0 = performance.now();
    ctx.log(`compress ${spec.id} (${JSON.stringify(spec.options)})`);
    const s = await compressFolder(ctx.inputs.categoryDir, join(partial, 'out'), parseCompressOptions(spec.options), { onProgress: ctx.onProgress });
    await finishReelBuild(partial, key, s, since(t0), ctx);
  });
}

/**
 * Builds reels of one training set into the cache through --reuse-alignment (family.ts): members already cached are
 * skipped and serve as bases, so an alignment runs only for a group with no cached member. Returns the ids built.
 */
export async function buildReelFamily(
  specs: Extract<VariantSpec, { kind: 'reel' }>[],
  ctx: PipelineContext,
  bases: Extract<VariantSpec, { kind: 'reel' }>[] = [],
): Promise<string[]> {
  const keys = specs.map((s) => buildKey(s, ctx));
  const dirs = keys.map((k) => join(ctx.cacheDir, 'builds', k));
  const built = await cachedFolders(dirs, async (partials, todo) => {
    const members = todo.map((d) => specs[dirs.indexOf(d)]);
    // cached outputs (members built earlier, and the bases given) may serve as bases
    const candidates = [...specs.filter((_, i) => !todo.includes(dirs[i])), ...bases];
    const existing = [];
    for (const s of candidates) {
      const out = join(ctx.cacheDir, 'builds', buildKey(s, ctx), 'out');
      if (await hasManifest(new LocalStorage(out))) existing.push({ outDir: out, options: s.options });
    }
    ctx.log(`compress ${members.length} reels through --reuse-alignment: ${members.map((m) => m.id).join(', ')}${existing.length ? ` (${existing.length} cached outputs may serve as bases)` : ''}`);
    // the cache key of every output a member may reuse, for its build record
    const keyOfOut = new Map<string, string>([
      ...candidates.map((s) => [join(ctx.cacheDir, 'builds', buildKey(s, ctx), 'out'), buildKey(s, ctx)] as [string, string]),
      ...todo.map((d, i) => [join(partials[i], 'out'), keys[dirs.indexOf(d)]] as [string, string]),
    ]);
    const outs = members.map((_, i) => join(partials[i], 'out'));
    const summaries = await compressFamily(
      ctx.inputs.categoryDir,
      members.map((m, i) => ({ outDir: outs[i], options: m.options })),
      { onProgress: ctx.onProgress, log: ctx.log },
      existing,
    );
    // each member's build time is its own compress run: a reused one did not align (its seconds are the re-encode's)
    for (let i = 0; i < todo.length; i++) {
      const s = summaries[i];
      const reused = s.reusedAlignment === undefined ? undefined : keyOfOut.get(s.reusedAlignment);
      await finishReelBuild(partials[i], keys[dirs.indexOf(todo[i])], s, s.buildSeconds, ctx, reused);
    }
  });
  return built.map((d) => specs[dirs.indexOf(d)].id);
}

async function buildImageCodec(spec: Extract<VariantSpec, { kind: 'image-codec' }>, key: string, ctx: PipelineContext): Promise<boolean> {
  const dir = join(ctx.cacheDir, 'builds', key);
  return cachedFolder(dir, async (partial) => {
    const t0 = performance.now();
    const ffmpeg = await resolveFfmpeg();
    const { ext } = codecArgs(spec.codec, spec.quality);
    const names = (await readdir(ctx.inputs.trainDir)).filter((n) => n.endsWith('.png')).sort();
    await mkdir(join(partial, 'encoded'), { recursive: true });
    await mkdir(join(partial, 'train'), { recursive: true });
    let bytes = 0;
    let done = 0;
    // Two images at a time: ffmpeg start-up dominates these small encodes.
    const queue = [...names];
    await Promise.all(
      [0, 1].map(async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          const stem = n.replace(/\.png$/, '');
          bytes += await roundTrip(ffmpeg.path, spec.codec, spec.quality, join(ctx.inputs.trainDir, n), join(partial, 'encoded', `${stem}.${ext}`), join(partial, 'train', n));
          ctx.onProgress?.(`${spec.codec} round trip`, ++done, names.length);
        }
      }),
    );
    const record: BuildRecord = { key, bytes, inputBytes: ctx.inputs.trainBytes, frames: names.length, seconds: { build: since(t0) } };
    await writeJson(join(partial, 'build.json'), record);
  });
}

/**
 * The part of a manifest a transformed test set may depend on: all of it but the encoding's facts, so reels that differ
 * only in how they were encoded share one transform (the alignment mode in decisions and the training poses count:
 * they move and flag test images).
 */
export function geometryOf(m: Manifest): unknown {
  const { createdAt: _t, digest: _d, codec: _c, reels: _r, quality: _q, ...rest } = m as Manifest & { digest?: string };
  return rest;
}

async function transformTest(outDir: string, m: Manifest, ctx: PipelineContext): Promise<{ key: string; dir: string; seconds: number; flagged: number; cached: boolean }> {
  const key = keyOf({ geometry: geometryOf(m), test: ctx.inputs.testIdentity, fp: ctx.buildFp });
  const dir = join(ctx.cacheDir, 'transforms', key);
  const cached = await cachedFolder(dir, async (partial) => {
    const t0 = performance.now();
    ctx.log(`transform test set (${ctx.inputs.testCount} images)`);
    const s = await transformFolder(outDir, ctx.inputs.categoryDir, join(partial, 'data'), { onProgress: ctx.onProgress });
    await writeJson(join(partial, 'transform.json'), { seconds: since(t0), images: s.images, groundTruthMasks: s.groundTruthMasks, flagged: s.flagged, warnings: s.warnings.length });
  });
  const info = (await readJson<{ seconds: number; flagged: number }>(join(dir, 'transform.json')))!;
  return { key, dir: join(dir, 'data'), seconds: info.seconds, flagged: info.flagged, cached };
}

/** Builds (or reuses) a variant's training frames and the test set it is scored on. */
export async function buildVariant(spec: VariantSpec, transformsTest: boolean, ctx: PipelineContext): Promise<BuiltVariant> {
  const raw = { testDir: ctx.inputs.testDir, groundTruthDir: ctx.inputs.groundTruthDir, testKey: keyOf({ raw: ctx.inputs.testIdentity }) };
  const key = buildKey(spec, ctx);
  if (spec.kind === 'raw') {
    return {
      spec,
      build: { key, bytes: ctx.inputs.trainBytes, inputBytes: ctx.inputs.trainBytes, frames: ctx.inputs.trainCount, seconds: { build: 0 } },
      trainDir: ctx.inputs.trainDir,
      ...raw,
      cached: true,
    };
  }
  const cached = spec.kind === 'reel' ? await buildReel(spec, key, ctx) : await buildImageCodec(spec, key, ctx);
  const dir = join(ctx.cacheDir, 'builds', key);
  const build = (await readJson<BuildRecord>(join(dir, 'build.json')))!;
  const built: BuiltVariant = { spec, build, trainDir: join(dir, 'train'), ...raw, cached };
  if (spec.kind !== 'reel') return built;
  built.outDir = join(dir, 'out');
  if (!transformsTest) return built;
  const m = await loadManifest(new LocalStorage(built.outDir));
  const t = await transformTest(built.outDir, m, ctx);
  return {
    ...built,
    testDir: join(t.dir, 'test'),
    groundTruthDir: join(t.dir, 'ground_truth'),
    testKey: t.key,
    transform: { key: t.key, seconds: t.seconds, flagged: t.flagged, cached: t.cached },
  };
}

/** PaDiM for every seed; cached seeds are reused, the missing ones share one backbone pass. */
export async function evaluateVariant(built: BuiltVariant, seeds: number[], ctx: PipelineContext): Promise<SeedResult[]> {
  const key = keyOf({ train: built.build.key, test: built.testKey, fp: ctx.evalFp });
  const dir = join(ctx.cacheDir, 'evals', key);
  const results = new Map<number, SeedResult>();
  for (const seed of seeds) {
    const r = await readJson<SeedResult>(join(dir, `seed-${seed}.json`));
    if (r) results.set(seed, { ...r, cached: true });
  }
  const missing = seeds.filter((s) => !results.has(s));
  if (missing.length) {
    ctx.log(`evaluate ${built.spec.id}, seeds ${missing.join(',')}`);
    const fresh = await evaluateFromFolders(
      { trainDir: built.trainDir, testDir: built.testDir, groundTruthDir: built.groundTruthDir },
      { seeds: missing, backbone: ctx.evalFp.backbonePath, onProgress: ctx.onProgress },
    );
    for (const r of fresh) {
      const result: SeedResult = {
        seed: r.seed,
        imageAuroc: r.imageAuroc,
        pixelAuroc: r.pixelAuroc,
        seconds: r.seconds,
        trainCount: r.trainCount,
        testCount: r.testCount,
        cached: false,
        imageScores: r.imageScores,
      };
      await writeJson(join(dir, `seed-${r.seed}.json`), result);
      results.set(r.seed, result);
    }
  }
  return seeds.map((s) => results.get(s)!);
}
