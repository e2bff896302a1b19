// Reading back what earlier stages stored for a run: the align records (one per image), the per-image failures the
// align function recorded, and the union and encode results.
import type { Storage } from '../../ground/storage.ts';
import { AdreelError } from '../../ground/errors.ts';
import { mapPool } from '../../core/map-pool.ts';
import { combineSegments, type EncodedReel, type EncodedSegment, type PlannedSegment } from '../../core/compress/encode.ts';
import { KEYS, type FrameDraft, type JobState, type UnionResult } from '../../core/compress/job.ts';
import { draftsOfPartials, readPartialUnions, type PartialUnion } from '../../core/compress/partial-union.ts';
import { UNION_READ_CONCURRENCY } from '../../core/compress/union.ts';
import { segmentRecordKey, SEGMENTS_KEY, UNION_KEY } from './layout.ts';

export const FAILED_PREFIX = '.work/failed';
export const failedKey = (i: number) => `${FAILED_PREFIX}/${String(i).padStart(6, '0')}.json`;

export interface ImageFailure {
  entryIndex: number;
  name: string;
  code: string;
  message: string;
}

/** One or more images could not be processed (the run's failure policy does not allow leaving them out). */
export class ImageFailureError extends AdreelError {
  constructor(readonly failures: ImageFailure[]) {
    const shown = failures.slice(0, 20).map((f) => f.message);
    const more = failures.length > shown.length ? `; and ${failures.length - shown.length} more` : '';
    super(`${failures.length} image(s) failed: ${shown.join('; ')}${more}`, 'IMAGE_FAILED');
  }
}

export async function readJson<T>(store: Storage, key: string): Promise<T> {
  return JSON.parse((await store.get(key)).toString('utf8')) as T;
}

export async function putJson(store: Storage, key: string, value: unknown): Promise<void> {
  await store.put(key, Buffer.from(JSON.stringify(value)));
}

export async function readFailures(target: Storage): Promise<ImageFailure[]> {
  const keys = (await target.list(FAILED_PREFIX)).map((o) => o.key);
  return Promise.all(keys.map((k) => readJson<ImageFailure>(target, k)));
}

/** Every image's record, in frame order; a missing one means its align task never completed, named here.
 * Taken from the align batches' partial unions, which carry their records (one read per group of 1,024 images;
 * lambdas/core/compress/partial-union.ts); `partials` when already read. The record file of an image no partial holds
 * is read on its own, 32 at a time: a reducer over 100k images cannot afford one S3 round trip after another. */
export async function readDrafts(target: Storage, job: JobState, partials?: readonly PartialUnion[]): Promise<FrameDraft[]> {
  partials ??= await readPartialUnions(target, job.entries.length, UNION_READ_CONCURRENCY);
  const known = draftsOfPartials(partials);
  const unknown = job.entries.map((_e, i) => i).filter((i) => !known.has(i));
  const read = await mapPool(unknown, 32, async (i) => ((await target.head(KEYS.record(i))) ? readJson<FrameDraft>(target, KEYS.record(i)) : undefined));
  read.forEach((d, k) => d && known.set(unknown[k], d));
  const found = job.entries.map((_e, i) => known.get(i));
  const missing: ImageFailure[] = [];
  found.forEach((d, i) => {
    if (!d) missing.push({ entryIndex: i, name: job.entries[i].name, code: 'MISSING_RECORD', message: `${job.entries[i].name}: was not processed (its align task failed or never ran)` });
  });
  if (missing.length) throw new ImageFailureError(missing);
  return found as FrameDraft[];
}

export const readUnion = (target: Storage) => readJson<UnionResult | null>(target, UNION_KEY);
export const readPlan = (target: Storage) => readJson<PlannedSegment[]>(target, SEGMENTS_KEY);
export const readSegment = (target: Storage, i: number) => readJson<EncodedSegment>(target, segmentRecordKey(i));

/** Every segment's encode record, assembled into the reel; a missing one names its segment. */
export async function readEncoded(target: Storage): Promise<EncodedReel> {
  const plan = await readPlan(target);
  const missing = [];
  const segments: EncodedSegment[] = [];
  for (const s of plan) {
    if (!(await target.head(segmentRecordKey(s.index)))) missing.push(s.index);
    else segments.push(await readSegment(target, s.index));
  }
  if (missing.length) throw new AdreelError(`reel segment(s) ${missing.join(', ')} of ${plan.length} were never encoded`, 'MISSING_SEGMENT');
  return combineSegments(segments);
}
