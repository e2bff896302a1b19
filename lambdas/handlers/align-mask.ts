// align-mask: one image, or a batch of images (Distributed Map with ItemBatcher), aligned onto the reference and
// masked. The records land in `.work/records/`, read back by the reducer, so the payload stays small. A typed
// per-image error (corrupt image, failed alignment under policy "fail") is recorded in `.work/failed/` and named by
// the reducer; anything else (throttling, network, a crash) fails the task so Step Functions retries it.
// After a batch, the OR of its object masks and its records are written as one partial union (.work/unions/,
// lambdas/core/compress/partial-union.ts), and the batch that completes a group of 1,024 images merges the group's:
// the reducer reads one object per group instead of two per image. A single-image invocation writes none (the
// reducer reads that image's mask and record itself).
import { z } from 'zod';
import { alignMaskStage, openAlignWorker, type AlignWorker } from '../core/compress/align-mask.ts';
import { readJob, type FrameDraft, type JobState, type StageContext } from '../core/compress/job.ts';
import { groupOf, mergeGroupUnion, writeBatchUnion } from '../core/compress/partial-union.ts';
import { AdreelError } from '../ground/errors.ts';
import { defaultDeps, runStore, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { logger } from './commons/powertools.ts';
import { RUN_STATE, writeState } from '../core/run-state/index.ts';

const Item = z.object({ index: z.number().int().min(0), name: z.string().optional() });

export const AlignEvent = z.union([
  /** Distributed Map with ItemBatcher: BatchInput carries the run, Items the images */
  z.object({ BatchInput: RunRef, Items: z.array(Item).min(1) }),
  /** a single image (manual invocation, or a Map without batching) */
  RunRef.extend({ index: z.number().int().min(0) }),
]);

export interface AlignResult {
  processed: number;
  failed: number;
  dropped: number;
  /** the sidecar of the batch's partial union (null for a single image), and of its group's when this batch completed it */
  partialUnion: string | null;
  groupUnion: string | null;
}

/**
 * Kept between warm invocations of the same run: the segmenter and the reference's features cost the most to load.
 * A Lambda instance serves one invocation at a time, but a local interpreter may run invocations of two runs at once
 * in one process: a worker replaced by another run's is closed only once no invocation is using it.
 */
interface CachedWorker {
  runKey: string;
  ready: Promise<{ job: JobState; worker: AlignWorker }>;
  users: number;
}
let cached: CachedWorker | undefined;

function closeWorker(entry: CachedWorker): void {
  entry.ready
    // a worker that failed to open holds nothing, and its invocation already reported why
    .then(({ worker }) => worker.close(), () => undefined)
    .catch((err: unknown) => logger.warn('closing an align worker failed', { run: entry.runKey, reason: err instanceof Error ? err.message : String(err) }));
}

function acquireWorker(runKey: string, ctx: StageContext, modelPath: string | undefined): CachedWorker {
  if (cached?.runKey !== runKey) {
    const old = cached;
    cached = {
      runKey,
      users: 0,
      ready: (async () => {
        const job = await readJob(ctx.target);
        return { job, worker: await openAlignWorker(ctx, job, modelPath ?? job.options.modelPath) };
      })(),
    };
    if (old && old.users === 0) closeWorker(old);
  }
  cached.users++;
  return cached;
}

function releaseWorker(entry: CachedWorker, failed: boolean): void {
  entry.users--;
  // a worker that failed to open is not kept for the next invocation
  if (failed && cached === entry) cached = undefined;
  if (entry !== cached && entry.users === 0) closeWorker(entry);
}

export function createAlignMaskHandler(deps: () => HandlerDeps = defaultDeps) {
  return defineHandler('alignMask', AlignEvent, async (event): Promise<AlignResult> => {
    const run = 'BatchInput' in event ? event.BatchInput : { dataset: event.dataset, runId: event.runId };
    const indices = 'Items' in event ? event.Items.map((i) => i.index) : [event.index];
    const d = deps();
    const modelPath = await d.modelPath();
    const ctx: StageContext = { source: d.ingest, target: runStore(d, run) };
    const entry = acquireWorker(`${run.dataset}/${run.runId}`, ctx, modelPath);
    let opened: Awaited<CachedWorker['ready']>;
    try {
      opened = await entry.ready;
    } catch (err) {
      releaseWorker(entry, true);
      throw err;
    }
    try {
      return await alignBatch(event, indices, ctx, opened.job, opened.worker);
    } finally {
      releaseWorker(entry, false);
    }
  });
}

async function alignBatch(
  event: z.infer<typeof AlignEvent>,
  indices: number[],
  ctx: StageContext,
  job: JobState,
  worker: AlignWorker,
): Promise<AlignResult> {
  const result: AlignResult = { processed: 0, failed: 0, dropped: 0, partialUnion: null, groupUnion: null };
  const drafts: FrameDraft[] = [];
  for (const index of indices) {
    if (index >= job.entries.length) throw new AdreelError(`item ${index} is beyond the ${job.entries.length} images of the run`, 'USAGE');
    try {
      const draft = await alignMaskStage(ctx, job, worker, index);
      if (draft.dropped) result.dropped++;
      drafts.push(draft);
      result.processed++;
    } catch (err) {
      if (!(err instanceof AdreelError)) throw err;
      const failure = { entryIndex: index, name: job.entries[index].name, code: err.code, message: err.message };
      logger.warn('image failed', { entryIndex: index, image: failure.name, code: failure.code, reason: failure.message });
      await writeState(ctx.target, RUN_STATE.failed(index), failure);
      result.failed++;
    }
  }
  // after every mask and record of the batch is written: the partial holds exactly those of its kept images
  const partial = 'Items' in event ? await writeBatchUnion(ctx.target, job, indices, drafts) : null;
  if (partial) {
    result.partialUnion = partial.key;
    result.groupUnion = (await mergeGroupUnion(ctx.target, job.entries.length, groupOf(partial.first)))?.key ?? null;
  }
  return result;
}

export const handler = createAlignMaskHandler();
