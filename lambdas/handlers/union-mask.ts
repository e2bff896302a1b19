// union-mask (the reducer): every image must have a record (or the run fails naming the images that failed or were
// never processed); then the OR of all aligned object masks becomes the union mask, and the reel's segment plan is
// fixed (the encode Map runs one encode per segment index it returns). Records and masks are read from the align
// batches' partial unions (one per group of 1,024 images, else per batch), and one by one only for images no
// partial covers (lambdas/core/compress/partial-union.ts).
import { DatasetError } from '../ground/errors.ts';
import { readJob } from '../core/compress/job.ts';
import { buildUnionMask, UNION_READ_CONCURRENCY } from '../core/compress/union.ts';
import { readPartialUnions } from '../core/compress/partial-union.ts';
import { planReelSegments } from '../core/compress/encode.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { ingestStore, runStore } from './commons/layout.ts';
import { logger } from './commons/powertools.ts';
import { RUN_STATE, writeState } from '../core/run-state/index.ts';
import { ImageFailureError, readDrafts, readFailures } from '../core/run-state/read.ts';

export interface UnionMaskResult {
  frames: number;
  dropped: number;
  unionFraction: number | null;
  unionKey: string;
  /** the reel's segment indices: the items of the encode Map */
  segments: number[];
  segmentsKey: string;
  /** partial unions used (one per group of images or per align batch), and kept frames whose own mask was read */
  partials: number;
  maskReads: number;
}

export const handler = defineHandler('unionMask', RunRef, async (run): Promise<UnionMaskResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const target = runStore(s3, cfg, run);
  const job = await readJob(target);
  const failures = await readFailures(target);
  if (failures.length) throw new ImageFailureError(failures.sort((a, b) => a.entryIndex - b.entryIndex));
  const partials = await readPartialUnions(target, job.entries.length, UNION_READ_CONCURRENCY);
  const drafts = await readDrafts(target, job, partials);
  const kept = drafts.filter((d) => !d.dropped);
  if (kept.length === 0) throw new DatasetError('every image was dropped; nothing to encode', run.dataset);
  const { union, sources } = await buildUnionMask({ source: ingestStore(s3, cfg), target }, job, drafts, partials);
  logger.info('union mask sources', { ...sources });
  await writeState(target, RUN_STATE.union, union);
  const plan = planReelSegments(job, drafts, union);
  await writeState(target, RUN_STATE.segments, plan);
  return {
    frames: kept.length,
    dropped: drafts.length - kept.length,
    unionFraction: union?.unionFraction ?? null,
    unionKey: RUN_STATE.union.key,
    segments: plan.map((s) => s.index),
    segmentsKey: RUN_STATE.segments.key,
    partials: sources.partials,
    maskReads: sources.maskReads,
  };
});
