// One benchmark point in its own process (build, transform, evaluate), so two points run on the two cores at once:
// the alignment engine and PaDiM's fitting both run on the JavaScript thread, which one process cannot share.
//   node --import tsx bench/lib/table1/worker.ts <job.json>
import { readFile } from 'node:fs/promises';
import { writeJson } from './cache.ts';
import type { BuildFingerprint, EvalFingerprint } from './fingerprint.ts';
import type { BenchInputs } from './inputs.ts';
import { buildReelFamily, buildVariant, evaluateVariant, type BuiltVariant, type SeedResult } from './pipeline.ts';
import type { VariantSpec } from './variants.ts';

interface JobContext {
  cacheDir: string;
  inputs: BenchInputs;
  buildFp: BuildFingerprint;
  evalFp: EvalFingerprint;
  resultFile: string;
}

/** One point: build (or reuse), transform the test set, evaluate. */
export interface PointJob extends JobContext {
  kind: 'point';
  spec: VariantSpec;
  transformsTest: boolean;
  seeds: number[];
}

/** Reels sharing one alignment, built into the cache (their points then find them there). */
export interface FamilyJob extends JobContext {
  kind: 'family';
  id: string;
  specs: Extract<VariantSpec, { kind: 'reel' }>[];
  /** reels of the same training set whose cached outputs may serve as bases (nothing of theirs is built) */
  bases?: Extract<VariantSpec, { kind: 'reel' }>[];
}

export type WorkerJob = PointJob | FamilyJob;

export interface FamilyResult {
  kind: 'family';
  id: string;
  /** ids of the members built now (the others were cached) */
  built: string[];
  seconds: { total: number };
  cpuSeconds: number | null;
}

export type WorkerResult = VariantResult | FamilyResult;

export interface VariantResult {
  kind: 'point';
  spec: VariantSpec;
  built: BuiltVariant;
  seeds: Omit<SeedResult, 'imageScores'>[];
  /** wall seconds of this point in this run (cached stages cost ~0) */
  seconds: { build: number; eval: number; total: number };
  /** CPU seconds of this worker and the processes it waited for (ffmpeg), user + system; null off Linux */
  cpuSeconds: number | null;
}

/** utime + stime + cutime + cstime from /proc/self/stat: this process and its reaped children (ffmpeg). */
export async function cpuSecondsWithChildren(): Promise<number | null> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime..cstime are fields 14-17
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(await readFile(process.argv[2], 'utf8')) as WorkerJob;
  const prefix = `[${job.kind === 'point' ? job.spec.id : job.id}]`;
  const log = (m: string) => process.stderr.write(`${prefix} ${m}\n`);
  // One line per stage every 15 s (stages interleave: reel segments encode and verify at the same time).
  const lastAt = new Map<string, number>();
  const onProgress = (stage: string, done: number, total: number) => {
    const now = Date.now();
    if (!lastAt.has(stage) || done === total || now - lastAt.get(stage)! > 15000) {
      log(`${stage} ${done}/${total}`);
      lastAt.set(stage, now);
    }
  };
  const ctx = { cacheDir: job.cacheDir, inputs: job.inputs, buildFp: job.buildFp, evalFp: job.evalFp, log, onProgress };
  const t0 = performance.now();
  if (job.kind === 'family') {
    const built = await buildReelFamily(job.specs, ctx, job.bases);
    const result: FamilyResult = { kind: 'family', id: job.id, built, seconds: { total: (performance.now() - t0) / 1000 }, cpuSeconds: await cpuSecondsWithChildren() };
    await writeJson(job.resultFile, result);
    return;
  }
  const built = await buildVariant(job.spec, job.transformsTest, ctx);
  const t1 = performance.now();
  const seeds = await evaluateVariant(built, job.seeds, ctx);
  const t2 = performance.now();
  const result: VariantResult = {
    kind: 'point',
    spec: job.spec,
    built,
    seeds: seeds.map(({ imageScores: _s, ...rest }) => rest),
    seconds: { build: (t1 - t0) / 1000, eval: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
    cpuSeconds: await cpuSecondsWithChildren(),
  };
  await writeJson(job.resultFile, result);
}

main().catch((err: unknown) => {
  process.stderr.write(`[worker] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
