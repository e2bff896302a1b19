// What every benchmark run sets up first: the inputs (whole category or a symlinked subset), the fingerprints that
// key the cache, a timestamped log, and the RunInfo recorded beside the figures.
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveBackbonePath } from '../../../lambdas/eval/backbone.ts';
import { screwDir, sharedDir } from '../shared-data.ts';
import { buildFingerprint, evalFingerprint, REPO_ROOT, type BuildFingerprint, type EvalFingerprint } from './fingerprint.ts';
import { prepareInputs, type BenchInputs, type SubsetOptions } from './inputs.ts';
import type { JobOutcome } from './scheduler.ts';
import type { RunInfo } from './results.ts';
import type { FamilyJob, PointJob } from './worker.ts';
import { alignmentGroup } from './family.ts';
import type { VariantSpec } from './variants.ts';

export const DEFAULT_CACHE = join(REPO_ROOT, '.cache', 'table1');

/** The flags every session-based benchmark (table1, sweep) takes, for node:util parseArgs. */
export const SESSION_FLAGS = {
  quick: { type: 'boolean' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  jobs: { type: 'string', default: '2' },
  cache: { type: 'string' },
  data: { type: 'string' },
  backbone: { type: 'string' },
  out: { type: 'string' },
  screenshot: { type: 'string' },
  'no-family': { type: 'boolean' },
} as const;

export interface SessionOptions extends SubsetOptions {
  dataDir?: string;
  cacheDir?: string;
  backbone?: string;
  seeds: number[];
  jobs: number;
}

export interface Session {
  started: number;
  /** the frozen copy of the code every worker of this run executes */
  codeRoot: string;
  startedAt: string;
  load: number[];
  cacheDir: string;
  dataDir: string;
  inputs: BenchInputs;
  buildFp: BuildFingerprint;
  evalFp: EvalFingerprint;
  options: SessionOptions;
  log(message: string): void;
  job(spec: PointJob['spec'], transformsTest: boolean, seeds?: number[]): Omit<PointJob, 'resultFile'>;
  family(id: string, specs: FamilyJob['specs'], bases?: FamilyJob['specs']): Omit<FamilyJob, 'resultFile'>;
  runInfo(outcomes: JobOutcome[]): RunInfo;
  close(): Promise<void>;
}

/**
 * Freezes the code for this run: colleagues edit lambdas/** while benchmarks run, so workers execute a copy taken
 * now, and the cache keys hash that copy. Every point of one run is then measured with one version of the code,
 * and re-running picks up whatever the working tree holds by then.
 */
async function snapshotCode(work: string): Promise<string> {
  const root = join(work, 'code');
  for (const d of ['lambdas', 'bench']) await cp(join(REPO_ROOT, d), join(root, d), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) await cp(join(REPO_ROOT, f), join(root, f));
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

export async function openSession(options: SessionOptions): Promise<Session> {
  const started = performance.now();
  const log = (message: string) => {
    const t = (performance.now() - started) / 1000;
    process.stderr.write(`[${String(Math.floor(t / 60)).padStart(2, '0')}:${String(Math.floor(t % 60)).padStart(2, '0')}] ${message}\n`);
  };
  const dataDir = resolve(options.dataDir ?? screwDir());
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_CACHE);
  const work = await mkdtemp(join(tmpdir(), 'adreel-bench-inputs-'));
  const inputs = await prepareInputs(dataDir, work, options);
  const codeRoot = await snapshotCode(work);
  // Workers run from the snapshot, where <repo>/../shared does not exist.
  process.env.ADREEL_SHARED ??= sharedDir();
  const buildFp = await buildFingerprint(codeRoot);
  const evalFp = await evalFingerprint(resolveBackbonePath(options.backbone), codeRoot);
  log(
    `${inputs.trainCount} train / ${inputs.testCount} test images from ${dataDir}; cache ${cacheDir}; seeds ${options.seeds.join(',')}; ` +
      `${options.jobs} worker(s); core ${buildFp.core.slice(0, 12)} (${buildFp.coreFiles} files), eval ${evalFp.eval.slice(0, 12)}`,
  );
  const load = loadavg();
  return {
    started,
    codeRoot,
    startedAt: new Date().toISOString(),
    load,
    cacheDir,
    dataDir,
    inputs,
    buildFp,
    evalFp,
    options,
    log,
    job: (spec, transformsTest, seeds = options.seeds) => ({ kind: 'point', spec, transformsTest, seeds, cacheDir, inputs, buildFp, evalFp }),
    family: (id, specs, bases = []) => ({ kind: 'family', id, specs, bases, cacheDir, inputs, buildFp, evalFp }),
    runInfo(outcomes) {
      const { categoryDir: _c, trainDir: _t, testDir: _s, groundTruthDir: _g, ...inputFacts } = inputs;
      return {
        generatedAt: new Date().toISOString(),
        command: `node --import tsx ${process.argv.slice(1).map((a) => a.replace(REPO_ROOT + '/', '')).join(' ')}`,
        seeds: options.seeds,
        inputs: { ...inputFacts, dataDir, subset: Boolean(options.trainLimit || options.testLimit) },
        buildFingerprint: buildFp,
        evalFingerprint: evalFp,
        wallSeconds: (performance.now() - started) / 1000,
        cpuSeconds: outcomes.every((o) => o.ok && o.result.cpuSeconds !== null)
          ? outcomes.reduce((sum, o) => sum + (o.ok ? (o.result.cpuSeconds ?? 0) : 0), 0)
          : null,
        jobs: options.jobs,
        machine: { cpus: cpus().length, loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
        failures: outcomes.filter((o): o is Extract<JobOutcome, { ok: false }> => !o.ok).map((o) => ({ id: o.id, error: o.error })),
      };
    },
    close: () => rm(work, { recursive: true, force: true }),
  };
}

type ReelSpec = Extract<VariantSpec, { kind: 'reel' }>;

/**
 * The jobs of a run with its reels grouped by alignment (family.ts): each group of two or more, or of one when one of
 * `bases` (reels measured earlier, e.g. the sweep's grid before its refinement) belongs to it, becomes one family job,
 * listed first, that builds its reels through --reuse-alignment (from a cached base when there is one); the group's
 * points come after the others and wait for it (they then find their reels in the cache). `after` is aligned with
 * [...families, ...ordered].
 */
export function familyPlan<P>(
  session: Pick<Session, 'family'>,
  points: P[],
  specOf: (p: P) => VariantSpec,
  enabled = true,
  bases: ReelSpec[] = [],
): { families: Omit<FamilyJob, 'resultFile'>[]; ordered: P[]; after: (string | undefined)[] } {
  const byGroup = new Map<string, P[]>();
  for (const p of enabled ? points : []) {
    const spec = specOf(p);
    if (spec.kind !== 'reel') continue;
    const key = alignmentGroup(spec.options);
    byGroup.set(key, [...(byGroup.get(key) ?? []), p]);
  }
  const families: Omit<FamilyJob, 'resultFile'>[] = [];
  const familyOf = new Map<P, string>();
  const grouped: P[] = [];
  for (const [key, group] of byGroup) {
    const specs = group.map((p) => specOf(p) as ReelSpec);
    const ids = new Set(specs.map((s) => s.id));
    const groupBases = bases.filter((b) => !ids.has(b.id) && alignmentGroup(b.options) === key);
    if (group.length < 2 && groupBases.length === 0) continue;
    const family = session.family(`family-${specs[0].id}`, specs, groupBases);
    families.push(family);
    for (const p of group) familyOf.set(p, family.id);
    grouped.push(...group);
  }
  const ordered = [...points.filter((p) => !familyOf.has(p)), ...grouped];
  return { families, ordered, after: [...families.map(() => undefined), ...ordered.map((p) => familyOf.get(p))] };
}

/** "0,1,2" -> [0, 1, 2] */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds expects e.g. 0,1,2, got "${text}"`);
  return seeds;
}

export function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a positive integer, got "${text}"`);
  return n;
}
