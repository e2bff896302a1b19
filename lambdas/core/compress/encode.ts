// Stage 4: blank every aligned frame outside the union mask, crop to the encoded region, and encode the reel as one
// or more segments (lambdas/core/reel/segments.ts), each decoded once to record the hash (and quality) of every
// decoded frame. The CLI runs the segments through a small pool of ffmpeg processes; the cloud runs one Lambda per
// segment (encodeSegmentStage) and assembles the manifest afterwards.
import { availableParallelism } from 'node:os';
import { rm } from 'node:fs/promises';
import { makeScratchDir } from '../scratch.ts';
import { join } from 'node:path';
import { EncoderError } from '../../ground/errors.ts';
import { cropImage, psnr, type Rect } from '../geometry.ts';
import { frameSha256, sha256File } from '../hash.ts';
import { decodeImage, decodeMask } from '../image-io.ts';
import { decodeHevc } from '../reel/decode.ts';
import { encodeHevc } from '../reel/encode.ts';
import { resolveFfmpeg, type FfmpegSource } from '../reel/ffmpeg.ts';
import type { ReelPixFmt } from '../reel/encode.ts';
import type { EffectiveX265 } from '../reel/x265-settings.ts';
import { canonicalJson } from '../manifest.ts';
import { mapPool } from '../map-pool.ts';
import { similarityOrder, thumbnail } from '../reel/frame-order.ts';
import { planSegments, type ReelSegment } from '../reel/segments.ts';
import type { Image, Mask } from '../types.ts';
import { applyMask } from '../union-mask.ts';
import { pickEncoderSettings } from './options.ts';
import { KEYS, storedSizeOf, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';
import { RUN_STATE } from '../run-state/index.ts';

/** A segment to encode: its frames are these aligned images (positions in job.entries), in name order; the encoder
 * may reorder them within the segment (job.options.frameOrder) and records the order it used. */
export interface PlannedSegment extends ReelSegment {
  entryIndices: number[];
}

export interface EncodedSegment {
  index: number;
  file: string;
  firstFrame: number;
  frameCount: number;
  /** the frames (positions in job.entries) in the order they were encoded */
  entryIndices: number[];
  bytes: number;
  sha256: string;
  pixFmt: ReelPixFmt;
  ffmpeg: { version: string; source: FfmpegSource };
  /** what x265 ran with (read back from the segment); absent in run state written before it was recorded */
  effective?: EffectiveX265;
  /** per frame of this segment, in reel order */
  decodedSha256: string[];
  /** PSNR of each decoded frame against the frame that was encoded, inside the union mask (all pixels without one) */
  psnrDb: number[];
  seconds: { encode: number; decode: number };
}

export interface EncodedReel {
  segments: EncodedSegment[];
  /** all segments together */
  bytes: number;
  pixFmt: ReelPixFmt;
  ffmpeg: { version: string; source: FfmpegSource };
  /** what x265 ran with: one record, since every segment must have run with the same settings */
  effective?: EffectiveX265;
  /** per kept frame, in reel order (all segments) */
  entryIndices: number[];
  decodedSha256: string[];
  psnrDb: number[];
  /** wall time of the encode and of the decode check (segments overlap when run in parallel) */
  seconds: { encode: number; decode: number };
}

/** The encoded region: the union mask's bounding box, or the whole frame. */
export function encodedRegion(job: JobState, union: UnionResult | null): Rect {
  const stored = storedSizeOf(job);
  return union?.crop ?? { x: 0, y: 0, width: stored.width, height: stored.height };
}

/** How the kept frames are cut into segments: the same function for the CLI and the cloud. */
export function planReelSegments(job: JobState, drafts: FrameDraft[], union: UnionResult | null): PlannedSegment[] {
  const kept = drafts.filter((d) => !d.dropped);
  const region = encodedRegion(job, union);
  return planSegments({
    frameCount: kept.length,
    width: region.width,
    height: region.height,
    channels: job.mode === 'grey' ? 1 : 3,
    preset: job.options.preset,
    lossless: job.options.lossless,
    segmentFrames: job.options.segmentFrames ?? 0,
  }).map((s) => ({ ...s, entryIndices: kept.slice(s.firstFrame, s.firstFrame + s.frameCount).map((d) => d.entryIndex) }));
}

/** Encodes one segment into `<segment.file>` in the target store and checks it by decoding it once. */
export async function encodeSegmentStage(
  ctx: StageContext,
  job: JobState,
  union: UnionResult | null,
  segment: PlannedSegment,
  unionMask?: Mask,
  onFrame?: (phase: 'encode' | 'verify') => void,
): Promise<EncodedSegment> {
  const mask = union ? (unionMask ?? (await decodeMask(await ctx.target.get(KEYS.mask), KEYS.mask))) : undefined;
  const region = encodedRegion(job, union);
  const regionMask = mask ? cropMask(mask, region) : undefined;
  const channels = job.mode === 'grey' ? 1 : 3;
  const ffmpeg = await resolveFfmpeg();
  const dir = await makeScratchDir('adreel-encode-');
  const reelPath = join(dir, segment.file);
  const n = segment.entryIndices.length;
  const entryIndices = await frameOrderOf(ctx, job, segment.entryIndices, mask, region);
  const progress =
    onFrame ??
    ((phase: 'encode' | 'verify') => {
      const count = phase === 'encode' ? ++encoded : ++verified;
      ctx.onProgress?.(phase, count, n);
    });
  let encoded = 0;
  let verified = 0;
  try {
    const encodedHashes: string[] = [];
    const t0 = performance.now();
    const result = await encodeHevc(
      framesToEncode(ctx, entryIndices, mask, region, encodedHashes),
      reelPath,
      {
        width: region.width,
        height: region.height,
        channels,
        ...pickEncoderSettings(job.options),
        closedGop: true,
      },
      () => progress('encode'),
    );
    const t1 = performance.now();
    const decodedSha256: string[] = [];
    const psnrDb: number[] = [];
    const originals = framesToEncode(ctx, entryIndices, mask, region, [])[Symbol.asyncIterator]();
    for await (const frame of decodeHevc(reelPath, { width: region.width, height: region.height, channels })) {
      const original = (await originals.next()).value as Image;
      decodedSha256.push(frameSha256(frame));
      psnrDb.push(psnr(original, frame, regionMask?.data));
      progress('verify');
    }
    if (decodedSha256.length !== n) {
      throw new EncoderError(`segment ${segment.index} decodes to ${decodedSha256.length} frames, expected ${n}`, reelPath);
    }
    if (job.options.lossless) {
      const bad = decodedSha256.findIndex((h, i) => h !== encodedHashes[i]);
      if (bad >= 0) {
        throw new EncoderError(`lossless reel frame ${segment.firstFrame + bad} (${job.entries[entryIndices[bad]].name}) does not decode bit-exactly`, reelPath);
      }
    }
    const t2 = performance.now();
    const sha = await sha256File(reelPath);
    await ctx.target.putFile(segment.file, reelPath);
    return {
      index: segment.index,
      file: segment.file,
      firstFrame: segment.firstFrame,
      frameCount: n,
      entryIndices,
      bytes: result.bytes,
      sha256: sha,
      pixFmt: result.pixFmt,
      ffmpeg: { version: ffmpeg.version, source: ffmpeg.source },
      effective: result.effective,
      decodedSha256,
      psnrDb,
      seconds: { encode: (t1 - t0) / 1000, decode: (t2 - t1) / 1000 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The encoded segments as one reel, in frame order; refuses gaps, overlaps and mixed encoders. */
export function combineSegments(segments: EncodedSegment[], wall?: EncodedReel['seconds']): EncodedReel {
  const sorted = [...segments].sort((a, b) => a.index - b.index);
  let next = 0;
  sorted.forEach((s, i) => {
    if (s.index !== i || s.firstFrame !== next || s.decodedSha256.length !== s.frameCount) {
      throw new EncoderError(`segment ${s.index} does not continue the reel at frame ${next} (index ${i})`, s.file);
    }
    next += s.frameCount;
  });
  if (sorted.length === 0) throw new EncoderError('no segments were encoded', 'reel');
  if (new Set(sorted.map((s) => s.pixFmt)).size !== 1) throw new EncoderError('segments were encoded with different pixel formats', 'reel');
  const sum = (f: (s: EncodedSegment) => number) => sorted.reduce((a, s) => a + f(s), 0);
  return {
    segments: sorted,
    bytes: sum((s) => s.bytes),
    pixFmt: sorted[0].pixFmt,
    ffmpeg: sorted[0].ffmpeg,
    ...sharedEffective(sorted),
    entryIndices: sorted.flatMap((s) => s.entryIndices),
    decodedSha256: sorted.flatMap((s) => s.decodedSha256),
    psnrDb: sorted.flatMap((s) => s.psnrDb),
    seconds: wall ?? { encode: sum((s) => s.seconds.encode), decode: sum((s) => s.seconds.decode) },
  };
}

/** The segments' one effective-settings record; refuses segments that ran with different settings. */
function sharedEffective(segments: EncodedSegment[]): { effective?: EffectiveX265 } {
  const first = segments[0].effective;
  if (!first) return {};
  for (const s of segments) {
    if (!s.effective) return {};
    if (canonicalJson(s.effective) !== canonicalJson(first)) {
      const keys = Object.keys({ ...first, ...s.effective }) as (keyof EffectiveX265)[];
      const key = keys.find((k) => canonicalJson(first[k] ?? null) !== canonicalJson(s.effective![k] ?? null))!;
      throw new EncoderError(
        `segment ${s.index} ran with x265 ${key} ${canonicalJson(s.effective[key] ?? null)}, segment ${segments[0].index} with ${canonicalJson(first[key] ?? null)}: one reel must be encoded with one set of settings (pin threads with --threads N)`,
        s.file,
      );
    }
  }
  return { effective: first };
}

export interface EncodeStageOptions {
  /** segments encoded at the same time (ffmpeg processes); default: the machine's cores, at most the segments */
  concurrency?: number;
}

/** Every segment of the reel, `concurrency` ffmpeg processes at a time. */
export async function encodeStage(
  ctx: StageContext,
  job: JobState,
  drafts: FrameDraft[],
  union: UnionResult | null,
  opts: EncodeStageOptions = {},
): Promise<EncodedReel> {
  const plan = planReelSegments(job, drafts, union);
  const unionMask = union ? await decodeMask(await ctx.target.get(KEYS.mask), KEYS.mask) : undefined;
  const concurrency = opts.concurrency ?? availableParallelism();
  const total = plan.reduce((a, s) => a + s.frameCount, 0);
  const done = { encode: 0, verify: 0 };
  const onFrame = (phase: 'encode' | 'verify') => {
    done[phase] += 1;
    ctx.onProgress?.(phase, done[phase], total);
  };
  const t0 = performance.now();
  const segments = await mapPool(plan, concurrency, (s) => encodeSegmentStage(ctx, job, union, s, unionMask, onFrame));
  const wall = (performance.now() - t0) / 1000;
  // wall time split between encode and decode check in the proportion the segments spent on each
  const enc = segments.reduce((a, s) => a + s.seconds.encode, 0);
  const dec = segments.reduce((a, s) => a + s.seconds.decode, 0);
  const share = enc + dec > 0 ? enc / (enc + dec) : 1;
  return combineSegments(segments, { encode: wall * share, decode: wall * (1 - share) });
}

/**
 * The order to encode a segment's frames in. Frames are ordered within their segment only, so the segment plan (and
 * with it the cloud's encode Map) does not depend on pixels, and ordering costs O(frames per segment ^ 2).
 * Thumbnails come from the frames exactly as encoded (blanked, cropped), read one at a time.
 */
async function frameOrderOf(ctx: StageContext, job: JobState, entryIndices: number[], mask: Mask | undefined, region: Rect): Promise<number[]> {
  // a job written before the option existed encoded in name order
  if ((job.options.frameOrder ?? 'name') === 'name' || entryIndices.length < 3) return entryIndices;
  const thumbs: Float32Array[] = [];
  for await (const frame of framesToEncode(ctx, entryIndices, mask, region, [])) {
    thumbs.push(thumbnail(frame));
    ctx.onProgress?.('order', thumbs.length, entryIndices.length);
  }
  return similarityOrder(thumbs).map((i) => entryIndices[i]);
}

/** Streams the frames as they go into the encoder: one in memory at a time. */
async function* framesToEncode(
  ctx: StageContext,
  entryIndices: number[],
  unionMask: Mask | undefined,
  region: Rect,
  hashes: string[],
): AsyncGenerator<Image> {
  for (const entryIndex of entryIndices) {
    const key = RUN_STATE.aligned(entryIndex);
    let frame = (await decodeImage(await ctx.target.get(key), key)).image;
    if (unionMask) frame = applyMask(frame, unionMask);
    frame = cropImage(frame, region);
    hashes.push(frameSha256(frame));
    yield frame;
  }
}

function cropMask(mask: Mask, r: Rect): Mask {
  const img = cropImage({ width: mask.width, height: mask.height, channels: 1, data: mask.data }, r);
  return { width: img.width, height: img.height, data: img.data };
}
