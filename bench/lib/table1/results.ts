// The JSON a benchmark writes: one entry per measured point, with every figure and how it was obtained.
import type { BuildFingerprint, EvalFingerprint } from './fingerprint.ts';
import type { BenchInputs } from './inputs.ts';
import type { BuildRecord } from './pipeline.ts';
import { seedStats, type SeedStats } from './stats.ts';
import { describeSpec, type VariantSpec } from './variants.ts';
import type { VariantResult } from './worker.ts';

export interface PointSummary {
  id: string;
  label: string;
  settings: string;
  spec: VariantSpec;
  bytes: number;
  image: SeedStats;
  pixel: SeedStats;
  build: BuildRecord;
  /** adreel output folder in the cache (manifest, reel, reference, union mask) */
  outDir?: string;
  /** restored training frames in the cache */
  trainDir: string;
  transform?: { seconds: number; flagged: number; cached: boolean };
  evalSeconds: { features: number; fitPerSeed: number; scorePerSeed: number; total: number } | null;
  cached: { build: boolean; eval: boolean };
  seconds: VariantResult['seconds'];
  cpuSeconds: number | null;
}

export function summarisePoint(r: VariantResult): PointSummary {
  const fresh = r.seeds.filter((s) => !s.cached);
  const timing = fresh[0]?.seconds;
  return {
    id: r.spec.id,
    label: r.spec.label,
    settings: describeSpec(r.spec),
    spec: r.spec,
    bytes: r.built.build.bytes,
    image: seedStats(r.seeds.map((s) => ({ seed: s.seed, value: s.imageAuroc }))),
    pixel: seedStats(r.seeds.map((s) => ({ seed: s.seed, value: s.pixelAuroc }))),
    build: r.built.build,
    outDir: r.built.outDir,
    trainDir: r.built.trainDir,
    transform: r.built.transform && { seconds: r.built.transform.seconds, flagged: r.built.transform.flagged, cached: r.built.transform.cached },
    evalSeconds: timing
      ? {
          features: timing.features,
          fitPerSeed: fresh.reduce((a, s) => a + s.seconds.fit, 0) / fresh.length,
          scorePerSeed: fresh.reduce((a, s) => a + s.seconds.score, 0) / fresh.length,
          total: timing.total,
        }
      : null,
    cached: { build: r.built.cached, eval: fresh.length === 0 },
    seconds: r.seconds,
    cpuSeconds: r.cpuSeconds ?? null,
  };
}

export interface RunInfo {
  generatedAt: string;
  command: string;
  seeds: number[];
  inputs: Omit<BenchInputs, 'categoryDir' | 'trainDir' | 'testDir' | 'groundTruthDir'> & { dataDir: string; subset: boolean };
  buildFingerprint: BuildFingerprint;
  evalFingerprint: EvalFingerprint;
  /** wall time of the whole run */
  wallSeconds: number;
  /** CPU seconds of every worker (with its ffmpeg children): over 2 cores, the wall time of an otherwise idle machine is at least half of it */
  cpuSeconds: number | null;
  jobs: number;
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  failures: { id: string; error: string }[];
}
