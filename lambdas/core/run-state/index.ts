// A run's working state: every intermediate (`.work/...`) the stages hand each other, in ONE table with its key and,
// for the JSON ones, its zod schema. The CLI runs the stages in one process and the cloud in one Lambda each; both
// read and write these through readState / writeState, so what comes back is checked, not cast. (PNG intermediates
// are decoded, and so checked, by image-io; partial-union sidecars by lambdas/core/compress/partial-union.ts.)
import { z } from 'zod';
import { IntegrityError } from '../../ground/errors.ts';
import type { Storage } from '../../ground/storage.ts';
import { CompressOptionsSchema } from '../compress/options.ts';
import type { EncodedSegment, PlannedSegment } from '../compress/encode.ts';
import { EffectiveX265Schema } from '../reel/x265-settings.ts';
import type { FrameDraft, JobState, UnionResult } from '../compress/job.ts';

const pad = (i: number) => String(i).padStart(6, '0');
const count = z.number().int().min(0);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const affine = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]);
const rect = z.object({ x: count, y: count, width: count, height: count });
/** JSON writes Infinity (a lossless frame's PSNR) as null; read back as Infinity */
const psnr = z.union([z.number(), z.null().transform(() => Infinity)]);

/** The prefix of every intermediate; deleted once a CLI run is published, expired by a lifecycle rule in the cloud. */
export const WORK_PREFIX = '.work';

// Known fields are checked; fields added later (e.g. referenceLayout, stored) pass through untouched.
const JobStateSchema = z.looseObject({
  version: z.literal(1),
  options: CompressOptionsSchema,
  sourceLayout: z.enum(['folder', 'mvtec']),
  entries: z.array(z.object({ key: z.string().min(1), name: z.string().min(1), stem: z.string().min(1), bytes: count })),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  reference: z.object({ index: count, name: z.string().min(1) }),
  mode: z.enum(['grey', 'rgb']),
  width: count,
  height: count,
  segmenter: z.object({ kind: z.enum(['threshold', 'model']), reason: z.string(), modelSha256: sha256Hex.optional() }).nullable(),
  warnings: z.array(z.string()),
});

const FrameDraftSchema = z.looseObject({
  entryIndex: count,
  name: z.string().min(1),
  stem: z.string().min(1),
  source: z.looseObject({ width: count, height: count, mode: z.enum(['grey', 'rgb']), format: z.string(), bitDepth: count, hadAlpha: z.boolean(), bytes: count, sha256: sha256Hex }),
  transform: affine.nullable(),
  alignment: z.object({ score: z.number(), silhouetteIou: z.number(), ncc: z.number(), method: z.string(), ok: z.boolean() }).nullable(),
  poseMatrix: affine.optional(),
  dropped: z.string().optional(),
  warnings: z.array(z.string()),
});

export const ImageFailureSchema = z.object({ entryIndex: count, name: z.string(), code: z.string(), message: z.string() });
export type ImageFailure = z.infer<typeof ImageFailureSchema>;

/** One item of the align Map (prepare-reference writes the list; the Distributed Map's ItemReader reads it). */
export const MapItemSchema = z.object({ index: count, name: z.string().min(1) });
export type MapItem = z.infer<typeof MapItemSchema>;

/** One item of the class Map (discover writes the list). */
export const ClassItemSchema = z.object({
  /** the dataset the class's stages run on: `<dataset>/<class>`, or the upload itself for a single dataset */
  dataset: z.string().min(1),
  /** null for a single dataset */
  class: z.string().nullable(),
});
export type ClassItem = z.infer<typeof ClassItemSchema>;

const UnionResultSchema = z.object({ unionFraction: z.number().min(0).max(1), marginPx: count, crop: rect.nullable(), sha256: sha256Hex });

const PlannedSegmentSchema = z.object({ index: count, file: z.string().min(1), firstFrame: count, frameCount: count, entryIndices: z.array(count) });

const EncodedSegmentSchema = z.object({
  index: count,
  file: z.string().min(1),
  firstFrame: count,
  frameCount: count,
  entryIndices: z.array(count),
  bytes: count,
  sha256: sha256Hex,
  pixFmt: z.enum(['gray', 'gbrp', 'yuv444p']),
  ffmpeg: z.object({ version: z.string(), source: z.enum(['FFMPEG_PATH', 'ffmpeg-static', 'PATH']) }),
  effective: EffectiveX265Schema.optional(),
  decodedSha256: z.array(sha256Hex),
  psnrDb: z.array(psnr),
  seconds: z.object({ encode: z.number(), decode: z.number() }),
});

/** One JSON intermediate: where it lives and what it must hold. */
export interface StateEntry<T> {
  key: string;
  schema: z.ZodType<T, unknown>;
}

const entry = <T>(key: string, schema: z.ZodType<unknown, unknown>): StateEntry<T> => ({ key, schema: schema as z.ZodType<T, unknown> });

/** Every intermediate of a run. JSON ones are StateEntry (key + schema); PNG ones are keys. */
export const RUN_STATE = {
  /** the run's plan: options, entries in frame order, reference, segmenter (prepare-reference) */
  job: entry<JobState>(`${WORK_PREFIX}/job.json`, JobStateSchema),
  /** the align Map's items (prepare-reference, cloud) */
  items: entry<MapItem[]>(`${WORK_PREFIX}/items.json`, z.array(MapItemSchema)),
  /** the classes of an upload (discover, cloud) */
  classes: entry<ClassItem[]>(`${WORK_PREFIX}/classes.json`, z.array(ClassItemSchema)),
  /** what align+mask learned about one image */
  record: (i: number) => entry<FrameDraft>(`${WORK_PREFIX}/records/${pad(i)}.json`, FrameDraftSchema),
  /** an image the align function could not process (cloud; the union function applies the failure policy) */
  failed: (i: number) => entry<ImageFailure>(`${WORK_PREFIX}/failed/${pad(i)}.json`, ImageFailureSchema),
  failedPrefix: `${WORK_PREFIX}/failed`,
  /** the union mask's figures (null: --no-mask) */
  union: entry<UnionResult | null>(`${WORK_PREFIX}/union.json`, UnionResultSchema.nullable()),
  /** the reel's segment plan */
  segments: entry<PlannedSegment[]>(`${WORK_PREFIX}/segments.json`, z.array(PlannedSegmentSchema)),
  /** what encoding one segment recorded (sha256, per-frame decoded hashes), read by verify and publish */
  segment: (i: number) => entry<EncodedSegment>(`${WORK_PREFIX}/segments/${pad(i)}.json`, EncodedSegmentSchema),
  /** PNG intermediates: each aligned frame and its object mask */
  aligned: (i: number) => `${WORK_PREFIX}/aligned/${pad(i)}.png`,
  objectMask: (i: number) => `${WORK_PREFIX}/masks/${pad(i)}.png`,
  /** partial unions (lambdas/core/compress/partial-union.ts, which checks their sidecars): level 1, one per align
   * batch (first..last: its entry indices), in the folder of its group of entries; level 2, one per group. */
  unions: `${WORK_PREFIX}/unions`,
  batchUnions: (group: number) => `${WORK_PREFIX}/unions/1/${pad(group)}`,
  batchUnion: (group: number, first: number, last: number, ext: 'png' | 'json') => `${WORK_PREFIX}/unions/1/${pad(group)}/${pad(first)}-${pad(last)}.${ext}`,
  groupUnions: `${WORK_PREFIX}/unions/2`,
  groupUnion: (group: number, ext: 'png' | 'json') => `${WORK_PREFIX}/unions/2/${pad(group)}.${ext}`,
} as const;

/** Reads one intermediate and checks it against its schema; a damaged or foreign one is named with the problem. */
export async function readState<T>(store: Storage, e: StateEntry<T>): Promise<T> {
  const where = `${store.description}/${e.key}`;
  let json: unknown;
  try {
    json = JSON.parse((await store.get(e.key)).toString('utf8'));
  } catch (err) {
    throw new IntegrityError(where, `run state unreadable: ${(err as Error).message}`);
  }
  const r = e.schema.safeParse(json);
  if (!r.success) throw new IntegrityError(where, `run state does not match its schema: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export async function writeState<T>(store: Storage, e: StateEntry<T>, value: T): Promise<void> {
  await store.put(e.key, Buffer.from(JSON.stringify(value)));
}
