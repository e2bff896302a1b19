// What every benchmark run sets up first: the inputs (whole category or a symlinked subset), the fingerprints that
// key the cache, a timestamped log, and the RunInfo recorded beside the figures.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveBackbonePath } from '../../../lambdas/eval/backbone.ts';
import { screwDir } from '../shared-data.ts';
import { buildFingerprint, evalFingerprint, REPO_ROOT, type BuildFingerprint, type EvalFingerprint } from './fingerprint.ts';
import { prepareInputs, type BenchInputs, type SubsetOptions } from './inputs.ts';
import type { JobOutcome } from './scheduler.ts';
import type { RunInfo } from './results.ts';
import type { WorkerJob } from './worker.ts';

export const DEFAULT_CACHE = join(REPO_ROOT, '.cache', 'table1');

export interface SessionOptions extends SubsetOptions {
  dataDir?: string;
  cacheDir?: string;
  backbone?: string;
  seeds: number[];
  jobs: number;
}

export interface Session {
  started: number;
  startedAt: string;
  load: number[];
  cacheDir: string;
  dataDir: string;
  inputs: BenchInputs;
  buildFp: BuildFingerprint;
  evalFp: EvalFingerprint;
  options: SessionOptions;
  log(message: string): void;
  job(spec: WorkerJob['spec'], transformsTest: boolean, seeds?: number[]): Omit<WorkerJob, 'resultFile'>;
  runInfo(outcomes: JobOutcome[]): RunInfo;
  close(): Promise<void>;
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
  const buildFp = await buildFingerprint();
  const evalFp = await evalFingerprint(resolveBackbonePath(options.backbone));
  log(
    `${inputs.trainCount} train / ${inputs.testCount} test images from ${dataDir}; cache ${cacheDir}; seeds ${options.seeds.join(',')}; ` +
      `${options.jobs} worker(s); core ${buildFp.core.slice(0, 12)} (${buildFp.coreFiles} files), eval ${evalFp.eval.slice(0, 12)}`,
  );
  const load = loadavg();
  return {
    started,
    startedAt: new Date().toISOString(),
    load,
    cacheDir,
    dataDir,
    inputs,
    buildFp,
    evalFp,
    options,
    log,
    job: (spec, transformsTest, seeds = options.seeds) => ({ spec, transformsTest, seeds, cacheDir, inputs, buildFp, evalFp }),
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
        jobs: options.jobs,
        machine: { cpus: cpus().length, loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
        failures: outcomes.filter((o): o is Extract<JobOutcome, { ok: false }> => !o.ok).map((o) => ({ id: o.id, error: o.error })),
      };
    },
    close: () => rm(work, { recursive: true, force: true }),
  };
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
