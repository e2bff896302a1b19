// Stage 3 (the reducer): OR of every kept frame's aligned object mask, widened by a margin, and the region to encode.
import { sha256 } from '../hash.ts';
import { decodeMask, encodeMaskPng } from '../image-io.ts';
import { DEFAULT_MARGIN_PX, maskBoundingBox, maskFraction, UnionMaskBuilder } from '../union-mask.ts';
import { KEYS, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';

export async function unionMaskStage(ctx: StageContext, job: JobState, drafts: FrameDraft[]): Promise<UnionResult | null> {
  if (!job.options.mask) return null;
  const marginPx = job.options.marginPx ?? DEFAULT_MARGIN_PX;
  const builder = new UnionMaskBuilder();
  const kept = drafts.filter((d) => !d.dropped);
  let done = 0;
  for (const d of kept) {
    const key = KEYS.objectMask(d.entryIndex);
    // A frame kept after a failed segmentation has no object mask: it contributes nothing to the union.
    if (await ctx.target.head(key)) builder.add(await decodeMask(await ctx.target.get(key), key));
    ctx.onProgress?.('union mask', ++done, kept.length);
  }
  const union = builder.finish(marginPx);
  const png = await encodeMaskPng(union);
  await ctx.target.put(KEYS.mask, png);
  // Even-aligned so a colour reel could use 4:2:0 as well.
  const box = job.options.crop ? maskBoundingBox(union, 2) : null;
  return { unionFraction: maskFraction(union), marginPx, crop: box, sha256: sha256(png) };
}
