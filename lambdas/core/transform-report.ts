// What transform writes beside the transformed images, under one name and one schema for the CLI
// (`<destDir>/transform-report.json`) and the cloud (`<outputPrefix>/transform-report.json`): per image its
// alignment score, matrix, pose against the training poses (lambdas/core/pose) and warnings; the counts over all.
import { z } from 'zod';
import { IntegrityError } from '../ground/errors.ts';
import { PoseReportSchema, PoseSummarySchema } from './pose/summary.ts';
import type { Transformer, TransformedImage } from './transform.ts';

export const TRANSFORM_REPORT_FILE = 'transform-report.json';
export const TRANSFORM_REPORT_SCHEMA = 'adreel.transform-report';
export const TRANSFORM_REPORT_VERSION = 1;

const count = z.number().int().min(0);

export const TransformReportEntrySchema = z.object({
  /** the input image's file name */
  name: z.string().min(1),
  /** the transformed image, relative to the report */
  file: z.string().min(1),
  /** alignment score and verdict (null: the dataset was not aligned) */
  score: z.number().nullable(),
  ok: z.boolean().nullable(),
  /** source -> reference frame (null: not aligned) */
  matrix: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).nullable(),
  /** pose against the training poses and its flag (null: dataset not aligned, or no training poses) */
  pose: PoseReportSchema.nullable(),
  /** the transformed ground-truth mask, relative to the report (MVTec test sets) */
  groundTruth: z.string().optional(),
  warnings: z.array(z.string()),
});
export type TransformReportEntry = z.infer<typeof TransformReportEntrySchema>;

export const TransformReportSchema = z.object({
  schema: z.literal(TRANSFORM_REPORT_SCHEMA),
  version: z.literal(TRANSFORM_REPORT_VERSION),
  images: count,
  groundTruthMasks: count,
  /** images whose alignment was not ok */
  flagged: count,
  /** images whose pose lies beyond the training poses' threshold */
  poseFlagged: count,
  /** the training poses compared with: from the manifest, derived from its frames, or none (and why) */
  poseModel: z.object({ source: z.enum(['manifest', 'frames', 'none']), summary: PoseSummarySchema.nullable(), reason: z.string().optional() }),
  /** every image's warnings, in order */
  warnings: z.array(z.string()),
  report: z.array(TransformReportEntrySchema),
});
export type TransformReport = z.infer<typeof TransformReportSchema>;

/** Collects the report image by image; the counts are derived once, in finish(). */
export class TransformReportBuilder {
  private readonly entries: TransformReportEntry[] = [];

  constructor(private readonly transformer: Pick<Transformer, 'poseModel'>) {}

  add(name: string, file: string, t: TransformedImage, groundTruth?: string): void {
    this.entries.push({
      name,
      file,
      score: t.alignment?.score ?? null,
      ok: t.alignment?.ok ?? null,
      matrix: t.matrix,
      pose: t.pose,
      ...(groundTruth ? { groundTruth } : {}),
      warnings: t.warnings,
    });
  }

  get size(): number {
    return this.entries.length;
  }

  finish(): TransformReport {
    const { poseModel } = this.transformer;
    const e = this.entries;
    return TransformReportSchema.parse({
      schema: TRANSFORM_REPORT_SCHEMA,
      version: TRANSFORM_REPORT_VERSION,
      images: e.length,
      groundTruthMasks: e.filter((x) => x.groundTruth).length,
      flagged: e.filter((x) => x.ok === false).length,
      poseFlagged: e.filter((x) => x.pose?.flagged).length,
      poseModel: { source: poseModel.source, summary: poseModel.summary, ...(poseModel.reason ? { reason: poseModel.reason } : {}) },
      warnings: e.flatMap((x) => x.warnings),
      report: e,
    });
  }
}

export function serializeTransformReport(r: TransformReport): Buffer {
  return Buffer.from(JSON.stringify(r, null, 2) + '\n');
}

export function parseTransformReport(bytes: Buffer, file: string): TransformReport {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new IntegrityError(file, `not JSON: ${(err as Error).message}`);
  }
  const r = TransformReportSchema.safeParse(json);
  if (!r.success) throw new IntegrityError(file, `not an adreel transform report: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
