// Speed of segmentation + alignment (issue 12), with the parent commit's aligner and segmenters as the baseline
// in the same process: PROTOCOL "Speed" (ratios, median of 3 runs, parent and new interleaved) and PROTOCOL
// "Alignment quality" (silhouette IoU mean / 5th percentile, union fraction) for both.
//
//   node --import tsx bench/align-speed.ts [--limit N] [--model-limit N] [--runs R] [--test N]
//        [--classes screw,bottle] [--engines threshold,model] [--parent SHA] [--model PATH] [--json out.json]
//
// Per class (screw: 320 x 1024x1024 grey, bottle: 209 x 384x384 RGB, their train/good folders) and engine
// (threshold; model = ISNet at models/isnet.onnx, from bench/extract-isnet.ts; model-gated = the new tree's model
// segmenter only where the threshold test fails, against the parent's plain model engine; default threshold and
// model-gated):
// - train: images decoded once into memory (decoding is not timed), then per run and per implementation the
//   wall time of segmenting the reference, preparing it, and segmenting + aligning every other image, divided
//   by the number of images. --limit takes the first N training images (default all), --model-limit the first N
//   for the model engine (default 24: ISNet costs seconds per image). The union (default margin) and the
//   PROTOCOL silhouettes are computed from the first run's alignments, outside the timed part.
// - per stage: the new aligner's own profile (AlignmentResult.profile), mean ms per image, next to the
//   segmentation's time. The parent's aligner has no profile: only its total.
// - transform of one test image as a production line would do it (decode, segment, align, warp, blank outside
//   the union): "first" includes opening the segmenter (loading the model) and preparing the reference; "steady"
//   is the median over the next --test test images (default 8).
// The parent's lambdas/ is extracted with `git archive` into .cache/parent-<sha>/ (inside the repository, so
// its imports resolve node_modules) and imported dynamically. Run it niced (both implementations share the
// process, so they are niced equally). Progress goes to stderr, the tables to stdout.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALIGNMENT_STAGES, type AlignmentProfile } from '../lambdas/core/align/index.ts';
import { decodeImage, isImageName } from '../lambdas/core/image-io.ts';
import { frameSilhouette, silhouetteIou, silhouetteThreshold, summarise, unionFraction } from '../lambdas/core/metrics/silhouette.ts';
import type { Affine, Image, Mask } from '../lambdas/core/types.ts';
import { applyMask, UnionMaskBuilder } from '../lambdas/core/union-mask.ts';
import { DEFAULT_MARGIN_PX } from '../lambdas/core/compress/options.ts';
import { median } from '../lambdas/core/decide/robust-stats.ts';
import { positiveInt, walkArgs } from './lib/args.ts';
import { sharedDir } from './lib/shared-data.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The commit issue 12 started from. */
const DEFAULT_PARENT = '1126778';

const CLASSES = {
  screw: { dir: 'mvtec-screw', mode: 'grey' },
  bottle: { dir: 'mvtec-bottle-384', mode: 'rgb' },
} as const;
type ClassName = keyof typeof CLASSES;
type Engine = 'threshold' | 'model' | 'model-gated';

interface Args {
  limit?: number;
  modelLimit: number;
  runs: number;
  test: number;
  classes: ClassName[];
  engines: Engine[];
  parent: string;
  modelPath: string;
  json?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    modelLimit: 24,
    runs: 3,
    test: 8,
    classes: ['screw', 'bottle'],
    engines: ['threshold', 'model-gated'],
    parent: DEFAULT_PARENT,
    modelPath: join(repoRoot, 'models', 'isnet.onnx'),
  };
  walkArgs(argv, (a, value) => {
    if (a === '--limit') args.limit = positiveInt(value(), a);
    else if (a === '--model-limit') args.modelLimit = positiveInt(value(), a);
    else if (a === '--runs') args.runs = positiveInt(value(), a);
    else if (a === '--test') args.test = positiveInt(value(), a);
    else if (a === '--classes') args.classes = listOf(value(), Object.keys(CLASSES) as ClassName[], a);
    else if (a === '--engines') args.engines = listOf(value(), ['threshold', 'model', 'model-gated'] as Engine[], a);
    else if (a === '--parent') args.parent = value();
    else if (a === '--model') args.modelPath = resolve(value());
    else if (a === '--json') args.json = value();
    else throw new Error(`unknown option ${a} (see the header of bench/align-speed.ts)`);
  });
  if (args.limit !== undefined && args.limit < 2) throw new Error('--limit must be at least 2 (a reference and one image)');
  return args;
}

function listOf<T extends string>(v: string, allowed: readonly T[], flag: string): T[] {
  const items = v.split(',') as T[];
  for (const item of items) if (!allowed.includes(item)) throw new Error(`${flag}: unknown ${item} (one of ${allowed.join(', ')})`);
  return items;
}

// ---- the two implementations -------------------------------------------------------------------------------

interface AlignResultLike {
  matrix: Affine;
  ok: boolean;
  method: string;
  profile?: AlignmentProfile;
}
interface SegmenterLike {
  segment(image: Image, name?: string): Promise<Mask>;
  dispose?(): Promise<void>;
  /** the gated model segmenter's tally */
  counts?: { threshold: number; model: number };
}
/** What the benchmark calls, the same in the parent and in this tree. */
interface Implementation {
  label: 'parent' | 'new';
  prepareReference(image: Image, mask: Mask): Promise<unknown>;
  disposeReference(ref: unknown): void;
  estimateAlignment(ref: unknown, image: Image, mask: Mask, opts: { name: string }): Promise<AlignResultLike>;
  warpImage(image: Image, m: Affine, width: number, height: number): Promise<Image>;
  warpMask(mask: Mask, m: Affine, width: number, height: number): Promise<Mask>;
  openSegmenter(engine: Engine): Promise<SegmenterLike>;
}

/** The parent's lambdas/ in .cache/parent-<sha>/ (extracted once; a half-written folder is never used). */
async function parentTree(sha: string): Promise<string> {
  const full = execFileSync('git', ['rev-parse', '--verify', `${sha}^{commit}`], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const dir = join(repoRoot, '.cache', `parent-${full.slice(0, 12)}`);
  if (existsSync(join(dir, 'lambdas'))) return dir;
  const staging = `${dir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', full, 'lambdas'], { cwd: repoRoot, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', staging], { input: tar });
  await rename(staging, dir);
  return dir;
}

async function loadImplementation(label: Implementation['label'], root: string, modelPath: string): Promise<Implementation> {
  const load = (rel: string) => import(pathToFileURL(join(root, 'lambdas', 'core', rel)).href);
  const align = await load('align/index.ts');
  const segment = await load('segment/index.ts');
  // The parent has no gated model segmenter: its baseline for 'model-gated' is its plain model engine.
  const gated = label === 'new' ? await load('segment/model-gated.ts') : undefined;
  return {
    label,
    prepareReference: align.prepareReference,
    disposeReference: align.disposeReference,
    estimateAlignment: align.estimateAlignment,
    warpImage: align.warpImage,
    warpMask: align.warpMask,
    openSegmenter: async (engine) => {
      if (engine === 'threshold') return segment.createThresholdSegmenter();
      if (engine === 'model-gated' && gated) return gated.createGatedModelSegmenter({ modelPath });
      return segment.createModelSegmenter({ modelPath });
    },
  };
}

// ---- one timed pass over the training images ----------------------------------------------------------------

interface Frame {
  name: string;
  image: Image;
}

interface PassResult {
  secondsPerImage: number;
  segmentMsPerImage: number;
  /** summed stage profile of the aligner (new only), ms */
  stages: Partial<Record<string, number>>;
  aligned: number;
  matrices: (Affine | null)[];
  methods: Map<string, number>;
  union?: Mask;
  segmentCounts?: { threshold: number; model: number };
}

async function trainPass(impl: Implementation, engine: Engine, frames: Frame[], keep: boolean): Promise<PassResult> {
  const segmenter = await impl.openSegmenter(engine);
  const builder = new UnionMaskBuilder();
  const [reference, ...others] = frames;
  const stages: Partial<Record<string, number>> = {};
  const matrices: (Affine | null)[] = [[1, 0, 0, 0, 1, 0]];
  const methods = new Map<string, number>();
  let timed = 0;
  let segmentMs = 0;
  let aligned = 1;
  try {
    let t0 = performance.now();
    const refMask = await segmenter.segment(reference.image, reference.name);
    const ref = await impl.prepareReference(reference.image, refMask);
    timed += performance.now() - t0;
    if (keep) builder.add(refMask);
    try {
      for (const frame of others) {
        t0 = performance.now();
        let mask: Mask;
        try {
          mask = await segmenter.segment(frame.image, frame.name);
        } catch {
          const dt = performance.now() - t0;
          timed += dt;
          segmentMs += dt;
          matrices.push(null);
          continue;
        }
        const t1 = performance.now();
        const result = await impl.estimateAlignment(ref, frame.image, mask, { name: frame.name });
        const t2 = performance.now();
        timed += t2 - t0;
        segmentMs += t1 - t0;
        for (const [stage, ms] of Object.entries(result.profile ?? {})) stages[stage] = (stages[stage] ?? 0) + ms;
        methods.set(result.method, (methods.get(result.method) ?? 0) + 1);
        matrices.push(result.ok ? result.matrix : null);
        if (result.ok) {
          aligned++;
          if (keep) builder.add(await impl.warpMask(mask, result.matrix, reference.image.width, reference.image.height));
        }
      }
    } finally {
      impl.disposeReference(ref);
    }
  } finally {
    await segmenter.dispose?.();
  }
  return {
    ...(segmenter.counts ? { segmentCounts: { ...segmenter.counts } } : {}),
    secondsPerImage: timed / 1000 / frames.length,
    segmentMsPerImage: segmentMs / frames.length,
    stages,
    aligned,
    matrices,
    methods,
    ...(keep ? { union: builder.finish(DEFAULT_MARGIN_PX) } : {}),
  };
}

interface Quality {
  iouMean: number;
  iouP5: number;
  iouMin: number;
  unionFraction: number;
}

/** PROTOCOL silhouettes of the aligned, blanked frames against the blanked reference's. */
async function quality(impl: Implementation, frames: Frame[], matrices: (Affine | null)[], union: Mask): Promise<Quality> {
  const { width, height } = frames[0].image;
  const blankedRef = applyMask(frames[0].image, union);
  const threshold = silhouetteThreshold(blankedRef);
  const refSilhouette = await frameSilhouette(blankedRef, threshold);
  const ious: number[] = [];
  for (let i = 1; i < frames.length; i++) {
    const m = matrices[i];
    if (!m) continue;
    const aligned = await impl.warpImage(frames[i].image, m, width, height);
    ious.push(silhouetteIou(await frameSilhouette(applyMask(aligned, union), threshold), refSilhouette));
  }
  const s = summarise(ious);
  return { iouMean: s.mean, iouP5: s.p5, iouMin: s.min, unionFraction: unionFraction(union) };
}

// ---- transform of one test image -------------------------------------------------------------------------------

interface TransformTiming {
  firstSeconds: number;
  steadySeconds: number;
}

async function transformTiming(impl: Implementation, engine: Engine, reference: Frame, union: Mask, tests: { name: string; bytes: Buffer }[], mode: 'grey' | 'rgb'): Promise<TransformTiming> {
  const { width, height } = reference.image;
  const once = async (segmenter: SegmenterLike, ref: unknown, test: { name: string; bytes: Buffer }) => {
    const { image } = await decodeImage(test.bytes, test.name, { mode });
    const mask = await segmenter.segment(image, test.name);
    const r = await impl.estimateAlignment(ref, image, mask, { name: test.name });
    applyMask(await impl.warpImage(image, r.matrix, width, height), union);
  };
  const t0 = performance.now();
  const segmenter = await impl.openSegmenter(engine);
  const ref = await impl.prepareReference(reference.image, await segmenter.segment(reference.image, reference.name));
  try {
    await once(segmenter, ref, tests[0]);
    const firstSeconds = (performance.now() - t0) / 1000;
    const steady: number[] = [];
    for (const test of tests.slice(1)) {
      const t = performance.now();
      await once(segmenter, ref, test);
      steady.push((performance.now() - t) / 1000);
    }
    return { firstSeconds, steadySeconds: median(steady) };
  } finally {
    impl.disposeReference(ref);
    await segmenter.dispose?.();
  }
}

// ---- driver -------------------------------------------------------------------------------------------------------

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

interface Row {
  className: ClassName;
  engine: Engine;
  images: number;
  seconds: Record<Implementation['label'], number[]>;
  quality: Partial<Record<Implementation['label'], Quality & { aligned: number; methods: Record<string, number>; segmentCounts?: { threshold: number; model: number } }>>;
  segmentMs: number;
  stagesMs: Partial<Record<string, number>>;
  transform: Partial<Record<Implementation['label'], TransformTiming>>;
}

async function benchClass(args: Args, impls: Implementation[], className: ClassName, engine: Engine): Promise<Row> {
  const spec = CLASSES[className];
  const dataDir = join(sharedDir(), 'data', spec.dir);
  const trainDir = join(dataDir, 'train', 'good');
  let names = (await readdir(trainDir)).filter(isImageName).sort();
  const limit = engine !== 'threshold' ? Math.min(args.modelLimit, args.limit ?? Infinity) : args.limit;
  if (limit !== undefined) names = names.slice(0, limit);
  const frames: Frame[] = [];
  for (const name of names) frames.push({ name, image: (await decodeImage(await readFile(join(trainDir, name)), name, { mode: spec.mode })).image });
  const testDir = join(dataDir, 'test', 'good');
  const testNames = (await readdir(testDir)).filter(isImageName).sort().slice(0, args.test + 1);
  const tests = await Promise.all(testNames.map(async (name) => ({ name, bytes: await readFile(join(testDir, name)) })));

  const row: Row = { className, engine, images: frames.length, seconds: { parent: [], new: [] }, quality: {}, segmentMs: NaN, stagesMs: {}, transform: {} };
  const unions = new Map<string, Mask>();
  for (let run = 0; run < args.runs; run++) {
    const order = run % 2 === 0 ? impls : [...impls].reverse();
    for (const impl of order) {
      const keep = run === 0;
      const pass = await trainPass(impl, engine, frames, keep);
      row.seconds[impl.label].push(pass.secondsPerImage);
      log(`${className} ${engine} run ${run + 1} ${impl.label}: ${pass.secondsPerImage.toFixed(3)} s/image (${frames.length} images)`);
      if (impl.label === 'new' && run === 0) {
        row.segmentMs = pass.segmentMsPerImage;
        for (const [stage, ms] of Object.entries(pass.stages)) row.stagesMs[stage] = (ms ?? 0) / frames.length;
      }
      if (keep && pass.union) {
        unions.set(impl.label, pass.union);
        const q = await quality(impl, frames, pass.matrices, pass.union);
        row.quality[impl.label] = { ...q, aligned: pass.aligned, methods: Object.fromEntries(pass.methods), ...(pass.segmentCounts ? { segmentCounts: pass.segmentCounts } : {}) };
        log(
          `${className} ${engine} ${impl.label} quality: IoU mean ${q.iouMean.toFixed(3)} p5 ${q.iouP5.toFixed(3)} min ${q.iouMin.toFixed(3)}, ` +
            `union ${(100 * q.unionFraction).toFixed(2)}%, aligned ${pass.aligned}/${frames.length}` +
            (impl.label === 'new' ? `; ms per image: segment ${pass.segmentMsPerImage.toFixed(1)}, ${Object.entries(pass.stages).map(([k, v]) => `${k} ${((v ?? 0) / frames.length).toFixed(1)}`).join(', ')}` : '') +
            (pass.segmentCounts ? `; segmented by threshold ${pass.segmentCounts.threshold}, model ${pass.segmentCounts.model}` : ''),
        );
      }
    }
  }
  for (const impl of impls) {
    const union = unions.get(impl.label);
    if (!union || tests.length === 0) continue;
    row.transform[impl.label] = await transformTiming(impl, engine, frames[0], union, tests, spec.mode);
    log(`${className} ${engine} transform ${impl.label}: first ${row.transform[impl.label]!.firstSeconds.toFixed(3)} s, steady ${row.transform[impl.label]!.steadySeconds.toFixed(3)} s`);
  }
  return row;
}

function printRows(rows: Row[]): void {
  const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3));
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(2)}%`);
  console.log('');
  console.log('| class | engine | images | parent s/image | new s/image | parent/new | IoU mean parent / new | IoU p5 parent / new | union parent / new | aligned parent / new |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const p = median(r.seconds.parent);
    const n = median(r.seconds.new);
    const qp = r.quality.parent;
    const qn = r.quality.new;
    console.log(
      `| ${r.className} | ${r.engine} | ${r.images} | ${f3(p)} | ${f3(n)} | ${(p / n).toFixed(2)}x | ${f3(qp?.iouMean)} / ${f3(qn?.iouMean)} | ` +
        `${f3(qp?.iouP5)} / ${f3(qn?.iouP5)} | ${pct(qp?.unionFraction)} / ${pct(qn?.unionFraction)} | ${qp?.aligned ?? '-'} / ${qn?.aligned ?? '-'} |`,
    );
  }
  console.log('');
  console.log(`| class | engine | segment | ${ALIGNMENT_STAGES.join(' | ')} | (ms per image, new, run 1) |`);
  console.log(`|---|---|---|${ALIGNMENT_STAGES.map(() => '---|').join('')}---|`);
  for (const r of rows) {
    console.log(`| ${r.className} | ${r.engine} | ${r.segmentMs.toFixed(1)} | ${ALIGNMENT_STAGES.map((s) => (r.stagesMs[s] ?? 0).toFixed(1)).join(' | ')} | |`);
  }
  console.log('');
  console.log('| class | engine | transform first parent / new (s) | transform steady parent / new (s) |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    const tp = r.transform.parent;
    const tn = r.transform.new;
    console.log(`| ${r.className} | ${r.engine} | ${f3(tp?.firstSeconds)} / ${f3(tn?.firstSeconds)} | ${f3(tp?.steadySeconds)} / ${f3(tn?.steadySeconds)} |`);
  }
  console.log('');
  for (const r of rows) {
    for (const label of ['parent', 'new'] as const) {
      const q = r.quality[label];
      if (q) console.log(`${r.className} ${r.engine} ${label}: runs ${r.seconds[label].map((s) => s.toFixed(3)).join(', ')} s/image; IoU min ${f3(q.iouMin)}; methods ${JSON.stringify(q.methods)}${q.segmentCounts ? `; segmented by threshold ${q.segmentCounts.threshold}, by the model ${q.segmentCounts.model}` : ''}`);
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.engines.some((e) => e !== 'threshold') && !existsSync(args.modelPath)) {
    throw new Error(`${args.modelPath}: model not found (run bench/extract-isnet.ts, or pass --engines threshold)`);
  }
  const parentRoot = await parentTree(args.parent);
  log(`parent ${args.parent} in ${parentRoot}`);
  const impls = [await loadImplementation('parent', parentRoot, args.modelPath), await loadImplementation('new', repoRoot, args.modelPath)];
  const rows: Row[] = [];
  for (const className of args.classes) for (const engine of args.engines) rows.push(await benchClass(args, impls, className, engine));
  printRows(rows);
  if (args.json) {
    await writeFile(args.json, JSON.stringify({ args, rows }, null, 2));
    console.log(`wrote ${args.json}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`align-speed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
