// Stage 3 (the reducer): OR of every kept frame's aligned object mask, widened by a margin, and the region to encode.
import { sha256 } from '../hash.ts';
import { decodeMask, encodeMaskPng } from '../image-io.ts';
import { DEFAULT_MARGIN_PX, maskBoundingBox, maskFraction, UnionMaskBuilder } from '../union-mask.ts';
import { growToMinimum } from '../geometry.ts';
import { mapPool } from '../map-pool.ts';
import { KEYS, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';

/** Smallest encoded side: libx265 aborts (heap corruption) on some 4:0:0 frames 34-40 px wide. */
const MIN_ENCODED_SIDE = 64;
/** Object masks read and decoded at once. */
const MASK_READ_CONCURRENCY = 16;

export async function unionMaskStage(ctx: StageContext, job: JobState, drafts: FrameDraft[]): Promise<UnionResult | null> {
  if (!job.options.mask) return null;
  const marginPx = job.options.marginPx ?? DEFAULT_MARGIN_PX;
  const builder = new UnionMaskBuilder();
  const kept = drafts.filter((d) => !d.dropped);
  let done = 0;
  // Reads and PNG decodes overlap (S3 latency, libuv's pool); the OR itself stays in this thread.
  await mapPool(kept, MASK_READ_CONCURRENCY, async (d) => {
    const key = KEYS.objectMask(d.entryIndex);
    // A frame kept after a failed segmentation has no object mask: it contributes nothing to the union.
    if (await ctx.target.head(key)) builder.add(await decodeMask(await ctx.target.get(key), key));
    ctx.onProgress?.('union mask', ++done, kept.length);
  });
  const union = builder.finish(marginPx);
  const png = await encodeMaskPng(union);
  await ctx.target.put(KEYS.mask, png);
  // Even-aligned so a colour reel could use 4:2:0 as well.
  const tight = job.options.crop ? maskBoundingBox(union, 2) : null;
  const box = tight ? growToMinimum(tight, MIN_ENCODED_SIDE, union.width, union.height) : null;
  return { unionFraction: maskFraction(union), marginPx, crop: box, sha256: sha256(png) };
}
