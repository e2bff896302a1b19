// The decisions a compress run took from its dataset, with their evidence: kept in the job state, the manifest
// (optional field: earlier manifests have none) and the run summary.
import { z } from 'zod';

export const alignModeSchema = z.enum(['none', 'translation', 'similarity']);

const gateSchema = z.strictObject({
  median: z.number(),
  sigma: z.number(),
  threshold: z.number(),
  minDeviation: z.number(),
  sampleSize: z.number().int().nonnegative(),
});

export const outlierSchema = z.strictObject({
  name: z.string().min(1),
  /** the figure tested (silhouette IoU with the reference, or NCC when there are no masks) */
  value: z.number(),
  /** value - gate (negative: how far below the dataset's own gate) */
  margin: z.number(),
});

export const decisionsSchema = z.strictObject({
  segmenter: z.strictObject({ kind: z.enum(['threshold', 'model', 'none']), reason: z.string() }),
  alignment: z.strictObject({
    mode: alignModeSchema,
    reason: z.string(),
    /** per-sample NCC figures behind the choice (absent when the mode was not measured) */
    evidence: z.unknown().optional(),
  }),
  mask: z.strictObject({ enabled: z.boolean(), reason: z.string() }),
  /** one frame size: the reference's; other sizes are placed top-left, padded or cropped (restore undoes it) */
  frameSize: z.strictObject({ width: z.number().int().positive(), height: z.number().int().positive(), resized: z.number().int().nonnegative().optional(), reason: z.string() }),
  /** how an image is judged misaligned: a robust low outlier of its own dataset's figure */
  misalignment: z.strictObject({
    metric: z.enum(['silhouetteIou', 'ncc', 'none']),
    rule: z.string(),
    gate: gateSchema.nullable().optional(),
    outliers: z.array(outlierSchema).optional(),
  }),
});

export type Decisions = z.output<typeof decisionsSchema>;
export type Outlier = z.output<typeof outlierSchema>;

/** The decisions without the per-sample evidence (that stays in the manifest): for summaries. */
export function compactDecisions(d: Decisions): Decisions {
  const { evidence: _e, ...alignment } = d.alignment;
  return { ...d, alignment };
}
