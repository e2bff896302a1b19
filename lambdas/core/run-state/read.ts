// Reading back what earlier stages stored for a run (the table is ./index.ts): the align records (one per image), the
// per-image failures the align function recorded, and the union and encode results; every read checked by its schema.
import type { Storage } from '../../ground/storage.ts';
import { AdreelError } from '../../ground/errors.ts';
import { mapPool } from '../map-pool.ts';
import { combineSegments, type EncodedReel, type EncodedSegment } from '../compress/encode.ts';
import type { FrameDraft, JobState } from '../compress/job.ts';
import { draftsOfPartials, readPartialUnions, type PartialUnion } from '../compress/partial-union.ts';
import { UNION_READ_CONCURRENCY } from '../compress/union.ts';
import { readState, RUN_STATE, type ImageFailure } from './index.ts';

/** One or more images could not be processed (the run's failure policy does not allow leaving them out). */
export class ImageFailureError extends AdreelError {
  constructor(readonly failures: ImageFailure[]) {
    const shown = failures.slice(0, 20).map((f) => f.message);
    const more = failures.length > shown.length ? `; and ${failures.length - shown.length} more` : '';
    super(`${failures.length} image(s) failed: ${shown.join('; ')}${more}`, 'IMAGE_FAILED');
  }
}

export async function readFailures(target: Storage): Promise<ImageFailure[]> {
  const keys = (await target.list(RUN_STATE.failedPrefix)).map((o) => o.key);
  return Promise.all(keys.map((k) => readState(target, { key: k, schema: RUN_STATE.failed(0).schema })));
}

/** Every image's record, in frame order; a missing one means its align task never completed, named here.
 * Taken from the align batches' partial unions, which carry their records (one read per group of 1,024 images;
 * lambdas/core/compress/partial-union.ts); `partials` when already read. The record file of an image no partial holds
 * is read on its own, 32 at a time: a reducer over 100k images cannot afford one S3 round trip after another. */
export async function readDrafts(target: Storage, job: JobState, partials?: readonly PartialUnion[]): Promise<FrameDraft[]> {
  partials ??= await readPartialUnions(target, job.entries.length, UNION_READ_CONCURRENCY);
  const known = draftsOfPartials(partials);
  const unknown = job.entries.map((_e, i) => i).filter((i) => !known.has(i));
  const read = await mapPool(unknown, 32, async (i) => ((await target.head(RUN_STATE.record(i).key)) ? readState(target, RUN_STATE.record(i)) : undefined));
  read.forEach((d, k) => d && known.set(unknown[k], d));
  const found = job.entries.map((_e, i) => known.get(i));
  const missing: ImageFailure[] = [];
  found.forEach((d, i) => {
    if (!d) missing.push({ entryIndex: i, name: job.entries[i].name, code: 'MISSING_RECORD', message: `${job.entries[i].name}: was not processed (its align task failed or never ran)` });
  });
  if (missing.length) throw new ImageFailureError(missing);
  return found as FrameDraft[];
}

export const readUnion = (target: Storage) => readState(target, RUN_STATE.union);
export const readPlan = (target: Storage) => readState(target, RUN_STATE.segments);
export const readSegment = (target: Storage, i: number) => readState(target, RUN_STATE.segment(i));

/** Every segment's encode record, assembled into the reel; a missing one names its segment. */
export async function readEncoded(target: Storage): Promise<EncodedReel> {
  const plan = await readPlan(target);
  const missing = [];
  const segments: EncodedSegment[] = [];
  for (const s of plan) {
    if (!(await target.head(RUN_STATE.segment(s.index).key))) missing.push(s.index);
    else segments.push(await readSegment(target, s.index));
  }
  if (missing.length) throw new AdreelError(`reel segment(s) ${missing.join(', ')} of ${plan.length} were never encoded`, 'MISSING_SEGMENT');
  return combineSegments(segments);
}
