// Stage 3 (the reducer): OR of every kept frame's aligned object mask, widened by a margin, and the region to encode.
// The masks come from the align batches' partial unions where usable (partial-union.ts: one read per group of
// 1,024 images, or per batch), and one by one for every kept frame no usable partial covers (the CLI writes none).
// The union is the same either way: OR does not care how the masks were grouped.
import { sha256 } from '../hash.ts';
import { packMask } from '../mask-pack.ts';
import { maskBoundingBox, maskFraction, UnionMaskBuilder } from '../union-mask.ts';
import { growToMinimum } from '../geometry.ts';
import type { Mask } from '../types.ts';
import { KEYS, storedSizeOf, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';
import { addPartialUnions, orObjectMasks, readPartialUnions, type PartialUnion } from './partial-union.ts';

/** Smallest encoded side: libx265 aborts (heap corruption) on some 4:0:0 frames 34-40 px wide. */
const MIN_ENCODED_SIDE = 64;
/** Partial unions and object masks read and decoded at once. */
export const UNION_READ_CONCURRENCY = 16;

/** Where the union's masks came from. */
export interface UnionSources {
  /** partial unions used (one per group of images, or per align batch) */
  partials: number;
  /** partial unions left out as unusable (the frames they cover were read one by one) */
  ignoredPartials: number;
  /** kept frames the partials accounted for */
  coveredFrames: number;
  /** kept frames whose own object mask was looked up (HEAD, and GET when it exists) */
  maskReads: number;
}

export async function unionMaskStage(ctx: StageContext, job: JobState, drafts: FrameDraft[]): Promise<UnionResult | null> {
  return (await buildUnionMask(ctx, job, drafts)).union;
}

/** The union stage, and where its masks came from. `partials`: those already read (readPartialUnions), if any. */
export async function buildUnionMask(
  ctx: StageContext,
  job: JobState,
  drafts: FrameDraft[],
  partials?: readonly PartialUnion[],
): Promise<{ union: UnionResult | null; sources: UnionSources }> {
  const sources: UnionSources = { partials: 0, ignoredPartials: 0, coveredFrames: 0, maskReads: 0 };
  if (!job.options.mask) return { union: null, sources };
  // the margin is in reference pixels; frames stored smaller (--max-side) get it at their own scale
  const marginPx = Math.ceil(job.options.marginPx * storedSizeOf(job).factor);
  const builder = new UnionMaskBuilder();
  const kept = drafts.filter((d) => !d.dropped).map((d) => d.entryIndex);
  const progress = (done: number) => ctx.onProgress?.('union mask', done, kept.length);
  partials ??= await readPartialUnions(ctx.target, job.entries.length, UNION_READ_CONCURRENCY);
  const read = await addPartialUnions(ctx.target, partials, new Set(kept), builder, UNION_READ_CONCURRENCY, (r) => progress(r.covered.size));
  const rest = kept.filter((i) => !read.covered.has(i));
  let done = read.covered.size;
  await orObjectMasks(ctx.target, rest, builder, UNION_READ_CONCURRENCY, () => progress(++done));
  Object.assign(sources, { partials: read.used, ignoredPartials: read.ignored, coveredFrames: read.covered.size, maskReads: rest.length });
  const union = builder.finish(marginPx);
  const packed = packMask(union);
  await ctx.target.put(KEYS.mask, packed);
  return { union: unionResultOf(union, packed, marginPx, job.options.crop), sources };
}

/** What the later stages need to know of a union mask (its file, `bytes`, already written as KEYS.mask). */
export function unionResultOf(union: Mask, bytes: Buffer, marginPx: number, crop: boolean): UnionResult {
  // Even-aligned so a colour reel could use 4:2:0 as well.
  const tight = crop ? maskBoundingBox(union, 2) : null;
  const box = tight ? growToMinimum(tight, MIN_ENCODED_SIDE, union.width, union.height) : null;
  return { unionFraction: maskFraction(union), marginPx, crop: box, sha256: sha256(bytes) };
}
