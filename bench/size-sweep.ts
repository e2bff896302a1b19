// Issue 14's sweep: output bytes (the headline) and reel bytes against the robust evaluation (seeds x kernels) on an
// MVTec category, with ONE alignment: the base output is compressed once, every other point is built from it with
// --reuse-alignment (compressFolder's own path, the one the CLI runs). Per point: output / reel bytes, the overhead
// breakdown (manifest, reference, masks), image and pixel AUROC mean and worst case over seeds x kernels, and the robust
// rule against raw (every seed and kernel: AUROC >= raw's - tolerance). Writes JSON, an HTML report (lambdas/report)
// and, with --screenshot, a PNG of it. Each stage is kept in --out and reused when rerun.
//
//   node --import tsx bench/size-sweep.ts [--data DIR] [--out DIR] [--base DIR] [--points "crf=28;crf=40;crf=28,side=256"]
//                                         [--seeds 0-4] [--kernels linear,lanczos3] [--tolerance 0.005] [--limit N] [--test-limit M]
//                                         [--search "lo-hi[,fps=F][,side=S]"] [--screenshot PNG]
// --search finds the largest CRF on the step-1 grid in [lo, hi] that holds the robust rule (bisection; accuracy is
// assumed to fall as CRF rises), measuring each visited CRF as a point; several ranges separated by ";". With
// ",bounds=assumed" lo is taken to hold and hi to fail unmeasured (use only with measurements made elsewhere).
// A point is "crf=N[,fps=F][,side=S]" (fps: x265 rate-control frame rate, default options.ts's; side: --max-side).
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compressFolder, transformFolder } from '../lambdas/cli/local-runs.ts';
import { DEFAULT_RATE_FPS, parseCompressOptions, type CompressOptionsInput } from '../lambdas/core/compress/options.ts';
import { inspectOutput, type InspectResult } from '../lambdas/core/inspect.ts';
import { restoreFrames } from '../lambdas/core/restore.ts';
import { checkNoWorseThanRaw, evaluateRobustFromFolders, parseKernelList, parseSeedList, type AurocCell, type RobustEvalResult } from '../lambdas/eval/robust.ts';
import type { ResizeKernel } from '../lambdas/eval/preprocess.ts';
import { formatBytes, writeReport } from '../lambdas/report/index.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { hasManifest } from '../lambdas/core/artifacts.ts';
import { screenshotReport } from './lib/chromium.ts';
import { screwDir } from './lib/shared-data.ts';
import { prepareInputs } from './lib/table1/inputs.ts';
import { runMain } from './lib/run-main.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    base: { type: 'string' },
    'base-crf': { type: 'string', default: '28' },
    points: { type: 'string', default: 'crf=28;crf=37;crf=42;crf=28,side=256;crf=34,side=256' },
    search: { type: 'string' },
    seeds: { type: 'string', default: '0-4' },
    kernels: { type: 'string', default: 'linear,lanczos3' },
    tolerance: { type: 'string', default: '0.005' },
    limit: { type: 'string' },
    'test-limit': { type: 'string' },
    threads: { type: 'string', default: '2' },
    screenshot: { type: 'string' },
  },
});

interface PointSpec {
  id: string;
  crf: number;
  rateFps: number;
  maxSide?: number;
}

function parsePoint(text: string): PointSpec {
  const kv = Object.fromEntries(text.split(',').map((p) => p.split('=').map((s) => s.trim())));
  const crf = Number(kv.crf);
  const rateFps = kv.fps ? Number(kv.fps) : DEFAULT_RATE_FPS;
  const maxSide = kv.side ? Number(kv.side) : undefined;
  if (!Number.isInteger(crf)) throw new Error(`point "${text}": crf=N expected`);
  return { id: `crf${crf}-fps${rateFps}${maxSide ? `-side${maxSide}` : ''}`, crf, rateFps, maxSide };
}

interface PointResult {
  spec: PointSpec;
  settings: string;
  outputBytes: number;
  reelBytes: number;
  overhead: InspectResult['overhead'];
  overheadShare: number;
  frame: { width: number; height: number };
  eval: Omit<RobustEvalResult, 'cells'> & { cells: AurocCell[] };
  robust: ReturnType<typeof checkNoWorseThanRaw>;
  buildSeconds: number;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

async function cachedJson<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (await exists(file)) return JSON.parse(await readFile(file, 'utf8')) as T;
  const value = await make();
  await writeFile(`${file}.partial`, JSON.stringify(value, null, 1));
  await rename(`${file}.partial`, file);
  return value;
}

interface PointContext {
  out: string;
  base: string;
  categoryDir: string;
  threads: number;
  seeds: number[];
  kernels: readonly ResizeKernel[];
}

/** Builds one point from the base alignment (cached in --out), restores it, transforms the test set, evaluates it. */
async function measurePoint(spec: PointSpec, c: PointContext): Promise<Omit<PointResult, 'robust'>> {
  const dir = join(c.out, 'points', spec.id);
  const options: CompressOptionsInput = { crf: spec.crf, rateFps: spec.rateFps, maxSide: spec.maxSide, threads: c.threads, reuseAlignment: c.base };
  let buildSeconds = 0;
  if (!(await hasManifest(new LocalStorage(join(dir, 'out'))))) {
    log(`${spec.id}: re-encoding from the base alignment`);
    const t = performance.now();
    await rm(dir, { recursive: true, force: true });
    await compressFolder(c.categoryDir, join(dir, 'out'), parseCompressOptions(options), {});
    buildSeconds = (performance.now() - t) / 1000;
  }
  const trainDir = join(dir, 'train');
  if (!(await exists(join(dir, 'train.done')))) {
    await rm(trainDir, { recursive: true, force: true });
    await mkdir(trainDir, { recursive: true });
    for await (const f of restoreFrames(new LocalStorage(join(dir, 'out')))) await writeFile(join(trainDir, f.fileName), f.png);
    await writeFile(join(dir, 'train.done'), '');
  }
  // the test set depends only on the geometry (reference, union mask, stored size): one transform per max side
  const testDir = join(c.out, `test-side${spec.maxSide ?? 'full'}`);
  if (!(await exists(join(testDir, 'transform-report.json')))) {
    log(`${spec.id}: transforming the test set`);
    await rm(testDir, { recursive: true, force: true });
    await transformFolder(join(dir, 'out'), c.categoryDir, testDir);
  }
  const ev = await cachedJson(join(dir, 'eval.json'), async () => {
    log(`${spec.id}: evaluating`);
    return stripScores(await evaluateRobustFromFolders({ trainDir, testDir: join(testDir, 'test'), groundTruthDir: join(testDir, 'ground_truth') }, { seeds: c.seeds, kernels: c.kernels }));
  });
  const info = await inspectOutput(new LocalStorage(join(dir, 'out')));
  log(`${spec.id}: output ${info.outputBytes} B (reel ${info.reelBytes} B), image min ${ev.summary.image.min.toFixed(3)} mean ${ev.summary.image.mean.toFixed(3)}`);
  return {
    spec,
    settings: `CRF ${spec.crf}, x265 rate control ${spec.rateFps} fps${spec.maxSide ? `, --max-side ${spec.maxSide}` : ''}, preset medium, threads ${c.threads}`,
    outputBytes: info.outputBytes,
    reelBytes: info.reelBytes,
    overhead: info.overhead,
    overheadShare: info.overhead.total / info.reelBytes,
    frame: { width: info.width, height: info.height },
    eval: ev,
    buildSeconds,
  };
}

/** "--search lo-hi[,fps=F][,side=S]": the largest whole CRF in [lo, hi] whose point holds the robust rule. */
interface SearchRange {
  text: string;
  lo: number;
  hi: number;
  rateFps: number;
  maxSide?: number;
  /** ",bounds=assumed": lo is taken to hold and hi to fail without measuring them (measured elsewhere; say where) */
  assumedBounds: boolean;
}

export interface CrfSearch {
  range: string;
  /** the largest holding CRF on the step-1 grid; null when even lo fails */
  largestHolding: number | null;
  /** the smallest failing CRF above it (its neighbour), null when hi holds */
  smallestFailing: number | null;
  /** in the order evaluated */
  evaluated: { crf: number; holds: boolean }[];
}

/** whether a point lies on a search's grid (same fps and side) */
function searchMatches(q: CrfSearch, spec: PointSpec): boolean {
  const r = parseSearch(q.range);
  return spec.rateFps === r.rateFps && spec.maxSide === r.maxSide;
}

function parseSearch(text: string): SearchRange {
  const [range, ...rest] = text.split(',');
  const m = /^(\d+)-(\d+)$/.exec(range.trim());
  if (!m || Number(m[1]) >= Number(m[2])) throw new Error(`--search "${text}": lo-hi with lo < hi expected`);
  const assumed = rest.includes('bounds=assumed');
  const p = parsePoint(['crf=0', ...rest.filter((r) => r !== 'bounds=assumed')].join(','));
  return { text, lo: Number(m[1]), hi: Number(m[2]), rateFps: p.rateFps, maxSide: p.maxSide, assumedBounds: assumed };
}

/**
 * Bisection over the step-1 CRF grid, assuming accuracy falls as CRF rises (a point holding implies every lower CRF
 * holds): hi first, then lo, then midpoints until the last holding and the first failing CRF are neighbours.
 */
async function searchCrf(r: SearchRange, holds: (spec: PointSpec) => Promise<boolean>): Promise<CrfSearch> {
  const evaluated: CrfSearch['evaluated'] = [];
  const at = async (crf: number) => {
    const spec = parsePoint(`crf=${crf},fps=${r.rateFps}${r.maxSide ? `,side=${r.maxSide}` : ''}`);
    const ok = await holds(spec);
    evaluated.push({ crf, holds: ok });
    log(`search ${r.text}: CRF ${crf} ${ok ? 'holds' : 'fails'}`);
    return ok;
  };
  if (!r.assumedBounds && (await at(r.hi))) return { range: r.text, largestHolding: r.hi, smallestFailing: null, evaluated };
  if (!r.assumedBounds && !(await at(r.lo))) return { range: r.text, largestHolding: null, smallestFailing: r.lo, evaluated };
  let lo = r.lo;
  let hi = r.hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await at(mid)) lo = mid;
    else hi = mid;
  }
  return { range: r.text, largestHolding: lo, smallestFailing: hi, evaluated };
}

const log = (m: string) => process.stderr.write(`[size-sweep ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function main(): Promise<void> {
  const dataDir = resolve(values.data ?? screwDir());
  const out = resolve(values.out ?? join('.cache', 'size-sweep', dataDir.split('/').pop()!));
  await mkdir(out, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'adreel-size-sweep-'));
  const trainLimit = values.limit ? Number(values.limit) : undefined;
  const testLimit = values['test-limit'] ? Number(values['test-limit']) : undefined;
  const inputs = await prepareInputs(dataDir, work, { trainLimit, testLimit });
  const seeds = parseSeedList(values.seeds!);
  const kernels = parseKernelList(values.kernels!);
  const tolerance = Number(values.tolerance);
  const threads = Number(values.threads);
  const points = values.points!.split(';').filter(Boolean).map(parsePoint);
  log(`${inputs.trainCount} train / ${inputs.testCount} test from ${dataDir}; seeds ${seeds.join(',')} x kernels ${kernels.join(',')}; out ${out}`);
  const t0 = performance.now();
  try {
    // The one alignment.
    const base = resolve(values.base ?? join(out, 'base'));
    if (!(await hasManifest(new LocalStorage(base)))) {
      log(`aligning once: ${base}`);
      await compressFolder(inputs.categoryDir, base, parseCompressOptions({ crf: Number(values['base-crf']), threads }), {});
    }
    // raw first: the CRF search judges each point as it goes; a raw evaluation kept in --out is reused
    const raw = await cachedJson(join(out, 'raw-eval.json'), async () => {
      log('evaluating raw PNGs');
      return stripScores(await evaluateRobustFromFolders({ trainDir: inputs.trainDir, testDir: inputs.testDir, groundTruthDir: inputs.groundTruthDir }, { seeds, kernels }));
    });
    const measured = new Map<string, Omit<PointResult, 'robust'>>();
    const measure = async (spec: PointSpec): Promise<Omit<PointResult, 'robust'>> => {
      const known = measured.get(spec.id);
      if (known) return known;
      const r = await measurePoint(spec, { out, base, categoryDir: inputs.categoryDir, threads, seeds, kernels });
      measured.set(spec.id, r);
      return r;
    };
    for (const spec of points) await measure(spec);
    const searches: CrfSearch[] = [];
    for (const range of values.search?.split(';').filter(Boolean).map(parseSearch) ?? []) {
      searches.push(await searchCrf(range, async (spec) => checkNoWorseThanRaw((await measure(spec)).eval.cells, raw.cells, { tolerance }).holds));
    }
    const results = [...measured.values()];
    const judged: PointResult[] = results.map((r) => ({ ...r, robust: checkNoWorseThanRaw(r.eval.cells, raw.cells, { tolerance }) }));
    const baseInfo = await inspectOutput(new LocalStorage(base));
    const summary = {
      kind: 'size-sweep',
      generatedAt: new Date().toISOString(),
      command: `node --import tsx ${process.argv.slice(1).join(' ')}`,
      data: dataDir,
      trainCount: inputs.trainCount,
      testCount: inputs.testCount,
      seeds,
      kernels,
      tolerance,
      base: { dir: base, outputBytes: baseInfo.outputBytes, reelBytes: baseInfo.reelBytes, overhead: baseInfo.overhead },
      raw: { ...raw.summary, cells: raw.cells },
      points: judged,
      searches,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    await writeFile(join(out, 'size-sweep.json'), JSON.stringify(summary, null, 1));
    printTable(summary);
    const reportPath = join(out, 'report-size-sweep.html');
    await writeReport(reportPath, reportInput(summary));
    console.log(`report: ${reportPath}`);
    if (values.screenshot) {
      const problems = await screenshotReport(reportPath, resolve(values.screenshot));
      console.log(`screenshot: ${resolve(values.screenshot)} (console errors ${problems.consoleErrors.length}, page errors ${problems.pageErrors.length})`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function stripScores(r: RobustEvalResult): Omit<RobustEvalResult, 'cells'> & { cells: AurocCell[] } {
  return { ...r, cells: r.cells.map(({ seed, kernel, imageAuroc, pixelAuroc }) => ({ seed, kernel, imageAuroc, pixelAuroc })) };
}

type Summary = {
  trainCount: number;
  testCount: number;
  seeds: number[];
  kernels: string[];
  tolerance: number;
  generatedAt: string;
  command: string;
  raw: { image: { mean: number; min: number }; pixel: { mean: number; min: number } };
  points: PointResult[];
  searches?: CrfSearch[];
  wallSeconds: number;
};

const f3 = (x: number) => x.toFixed(3);

function rows(s: Summary): string[][] {
  return [...s.points]
    .sort((a, b) => a.outputBytes - b.outputBytes)
    .map((p) => [
      p.settings,
      `${p.frame.width}x${p.frame.height}`,
      String(p.outputBytes),
      String(p.reelBytes),
      String(p.overhead.manifest),
      String(p.overhead.reference),
      String(p.overhead.masks),
      `${(100 * p.overheadShare).toFixed(0)}%`,
      `${f3(p.eval.summary.image.min)} / ${f3(p.eval.summary.image.mean)}`,
      `${f3(p.eval.summary.pixel.min)} / ${f3(p.eval.summary.pixel.mean)}`,
      `${p.robust.holds ? 'holds' : 'fails'} (image ${f3(p.robust.worst.image?.margin ?? NaN)}, pixel ${f3(p.robust.worst.pixel?.margin ?? NaN)})`,
      p.outputBytes <= 100_000 && p.robust.holds ? (p.eval.summary.image.min >= 0.93 ? 'target + stretch' : 'target') : '',
    ]);
}

const HEADERS = ['settings', 'frames', 'output B', 'reel B', 'manifest B', 'reference B', 'masks B', 'overhead/reel', 'image AUROC worst / mean', 'pixel AUROC worst / mean', 'robust rule vs raw (worst margin)', '<= 100 KB'];

function printTable(s: Summary): void {
  console.log(`\nsize sweep: ${s.trainCount} train / ${s.testCount} test, seeds ${s.seeds.join(',')} x kernels ${s.kernels.join(',')}, tolerance ${s.tolerance}`);
  console.log(`raw PNG: image worst ${f3(s.raw.image.min)} mean ${f3(s.raw.image.mean)}; pixel worst ${f3(s.raw.pixel.min)} mean ${f3(s.raw.pixel.mean)}`);
  console.log(HEADERS.join(' | '));
  for (const r of rows(s)) console.log(r.join(' | '));
  for (const q of s.searches ?? []) {
    const best = s.points.find((p) => q.largestHolding !== null && p.spec.crf === q.largestHolding && searchMatches(q, p.spec));
    console.log(
      `search ${q.range}: largest holding CRF ${q.largestHolding ?? 'none'}${best ? ` (output ${best.outputBytes} B, reel ${best.reelBytes} B)` : ''}, smallest failing ${q.smallestFailing ?? 'none'}; ` +
        `visited ${q.evaluated.map((e) => `${e.crf} ${e.holds ? 'holds' : 'fails'}`).join(', ')}`,
    );
  }
  console.log(`wall ${(s.wallSeconds / 60).toFixed(1)} min`);
}

function reportInput(s: Summary): Parameters<typeof writeReport>[1] {
  return {
    title: 'adreel size sweep: output bytes against robust accuracy',
    generatedAt: s.generatedAt,
    summary: [
      `${s.trainCount} training / ${s.testCount} test images; PaDiM R18 over seeds ${s.seeds.join(',')} x resize kernels ${s.kernels.join(', ')}. ` +
        `Output bytes are everything in the output folder (PROTOCOL.md "Sizes"); reel bytes beside them. One alignment, every point re-encoded with --reuse-alignment.`,
      `Raw PNG: image AUROC worst ${f3(s.raw.image.min)}, mean ${f3(s.raw.image.mean)}; pixel worst ${f3(s.raw.pixel.min)}, mean ${f3(s.raw.pixel.mean)}. ` +
        `Robust rule: in every seed and kernel, image and pixel AUROC >= raw's - ${s.tolerance}.`,
    ],
    tables: [{ id: 'sweep', caption: 'Sweep points (smallest output first)', headers: HEADERS, rows: rows(s), numericColumns: [2, 3, 4, 5, 6, 7] }],
    plot: {
      series: [
        {
          id: 'output',
          name: 'output bytes (worst case over seeds x kernels)',
          colour: '#1f77b4',
          line: false,
          points: s.points.map((p) => ({
            bytes: p.outputBytes,
            imageAuroc: p.eval.summary.image.min,
            pixelAuroc: p.eval.summary.pixel.min,
            imageRange: [p.eval.summary.image.min, p.eval.summary.image.max] as [number, number],
            pixelRange: [p.eval.summary.pixel.min, p.eval.summary.pixel.max] as [number, number],
            label: `CRF ${p.spec.crf}${p.spec.maxSide ? ` @${p.spec.maxSide}` : ''}`,
          })),
        },
        {
          id: 'reel',
          name: 'reel bytes (same points)',
          colour: '#ff7f0e',
          line: false,
          points: s.points.map((p) => ({ bytes: p.reelBytes, imageAuroc: p.eval.summary.image.min, pixelAuroc: p.eval.summary.pixel.min, label: `reel CRF ${p.spec.crf}${p.spec.maxSide ? ` @${p.spec.maxSide}` : ''}` })),
        },
      ],
      baseline: { label: 'raw PNG (worst case)', imageAuroc: s.raw.image.min, pixelAuroc: s.raw.pixel.min },
    },
    provenance: { command: s.command, 'wall time': `${(s.wallSeconds / 60).toFixed(1)} min`, bytes: formatBytes(s.points[0]?.outputBytes ?? 0) + ' (smallest point listed first in the table)' },
  };
}

runMain(main);
