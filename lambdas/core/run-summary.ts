// The summary of a multi-class run (an MVTec-style root: one complete output per class), the same schema and the
// same artifact name for the CLI (`<outDir>/summary.json`) and the cloud (`datasets/<dataset>/runs/<run>/summary.json`).
// Every class figure comes from its published manifest (and its output's size), so both paths compute it alike.
import { z } from 'zod';
import type { ObjectInfo } from '../ground/storage.ts';
import { outputOverhead } from './inspect.ts';
import { compactDecisions, decisionsSchema, outlierSchema } from './decide/schema.ts';
import type { Manifest } from './manifest.ts';

export const RUN_SUMMARY_FILE = 'summary.json';
export const RUN_SUMMARY_SCHEMA = 'adreel.run-summary';
/** 2: one schema for both paths (version 1 had two different shapes under the same name and version). */
export const RUN_SUMMARY_VERSION = 2;

const count = z.number().int().min(0);
/** JSON has no Infinity: a lossless class's PSNR is written as null */
const finiteOrNull = z.number().nullable();

export const ClassSummarySchema = z.object({
  /** the class (category folder) name; null for an upload that is one dataset */
  class: z.string().nullable(),
  /** where the class's output is: a folder (CLI) or the run's prefix in the output bucket (cloud) */
  outDir: z.string(),
  /** the cloud dataset name of the class (`<dataset>/<class>`); CLI: absent */
  dataset: z.string().optional(),
  frames: count,
  dropped: count,
  inputBytes: count,
  reelBytes: count,
  /** reel segments (1 = the unsegmented reel.mp4) */
  segments: count,
  /** every artifact of the class's output */
  outputBytes: count,
  /** what the output holds besides the reel (lambdas/core/inspect.ts outputOverhead) */
  overhead: z.object({ manifest: count, reference: count, masks: count, other: count, total: count }),
  /** inputBytes / outputBytes (the headline ratio) */
  ratio: z.number(),
  /** inputBytes / reelBytes (the reel-only ratio) */
  reelRatio: z.number(),
  unionFraction: z.number().nullable(),
  warnings: z.array(z.string()),
  /** the CLI measures these while encoding; the cloud's summary has no encode in hand */
  psnrDb: finiteOrNull.optional(),
  seconds: z.record(z.string(), z.number()).optional(),
  /** what the class's run decided from its own images (segmenter, alignment mode, mask, gate), without the evidence */
  decisions: decisionsSchema.optional(),
  /** frames kept but flagged as low outliers of their class, each with its margin to the gate */
  outliers: z.array(outlierSchema).optional(),
});
export type ClassSummary = z.infer<typeof ClassSummarySchema>;

export const RunSummarySchema = z.object({
  schema: z.literal(RUN_SUMMARY_SCHEMA),
  version: z.literal(RUN_SUMMARY_VERSION),
  createdAt: z.iso.datetime({ offset: true }),
  /** the input root: a folder (CLI) or the ingest dataset (cloud) */
  input: z.string(),
  /** where the classes' outputs are: the CLI's <outDir>, or the cloud run's prefix */
  outDir: z.string(),
  /** cloud only: the upload's dataset and the run (execution) id */
  dataset: z.string().optional(),
  runId: z.string().optional(),
  classes: z.array(ClassSummarySchema),
  /** classes that could not be compressed, each with its error; absent when every class succeeded */
  failed: z.array(z.object({ class: z.string(), error: z.string() })).optional(),
  totals: z.object({ classes: count, frames: count, dropped: count, inputBytes: count, reelBytes: count, outputBytes: count, segments: count, ratio: z.number(), reelRatio: z.number() }),
  /** wall time of the whole run (CLI) */
  seconds: z.number().optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** A class's figures from its published manifest and the files of its output (both paths). */
export function classFigures(manifest: Manifest, files: readonly ObjectInfo[]): Omit<ClassSummary, 'class' | 'outDir'> {
  const reelBytes = manifest.reels.reduce((a, r) => a + r.bytes, 0);
  const outputBytes = files.reduce((a, f) => a + f.bytes, 0);
  return {
    frames: manifest.frames.length,
    dropped: manifest.dropped.length,
    inputBytes: manifest.dataset.inputBytes,
    reelBytes,
    segments: manifest.reels.length,
    outputBytes,
    overhead: outputOverhead(manifest, [...files]),
    ratio: manifest.dataset.inputBytes / outputBytes,
    reelRatio: manifest.dataset.inputBytes / reelBytes,
    unionFraction: manifest.mask?.unionFraction ?? null,
    warnings: manifest.warnings,
    ...(manifest.decisions ? { decisions: compactDecisions(manifest.decisions), outliers: manifest.decisions.misalignment.outliers ?? [] } : {}),
  };
}

/** The run summary over its classes, totals computed once here. */
export function buildRunSummary(run: Pick<RunSummary, 'input' | 'outDir' | 'dataset' | 'runId' | 'seconds' | 'failed'>, classes: ClassSummary[]): RunSummary {
  const sum = (f: (c: ClassSummary) => number) => classes.reduce((a, c) => a + f(c), 0);
  return RunSummarySchema.parse({
    schema: RUN_SUMMARY_SCHEMA,
    version: RUN_SUMMARY_VERSION,
    createdAt: new Date().toISOString(),
    ...run,
    classes,
    totals: {
      classes: classes.length,
      frames: sum((c) => c.frames),
      dropped: sum((c) => c.dropped),
      inputBytes: sum((c) => c.inputBytes),
      reelBytes: sum((c) => c.reelBytes),
      outputBytes: sum((c) => c.outputBytes),
      segments: sum((c) => c.segments),
      ratio: sum((c) => c.inputBytes) / Math.max(1, sum((c) => c.outputBytes)),
      reelRatio: sum((c) => c.inputBytes) / Math.max(1, sum((c) => c.reelBytes)),
    },
  });
}

/** summary.json's bytes (non-finite numbers as null, as JSON has no Infinity). */
export function serializeRunSummary(s: RunSummary): Buffer {
  return Buffer.from(JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
}
