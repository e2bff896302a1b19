// Stage 4: blank every aligned frame outside the union mask, crop to the encoded region, encode one HEVC reel,
// then decode it once to record the hash (and quality) of every decoded frame.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncoderError } from '../errors.ts';
import { cropImage, psnr, type Rect } from '../geometry.ts';
import { frameSha256, sha256File } from '../hash.ts';
import { decodeImage, decodeMask } from '../image-io.ts';
import { decodeHevc } from '../reel/decode.ts';
import { encodeHevc } from '../reel/encode.ts';
import { resolveFfmpeg, type FfmpegSource } from '../reel/ffmpeg.ts';
import type { ReelPixFmt } from '../reel/encode.ts';
import type { Image, Mask } from '../types.ts';
import { applyMask } from '../union-mask.ts';
import { KEYS, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';

export interface EncodedReel {
  file: string;
  bytes: number;
  sha256: string;
  pixFmt: ReelPixFmt;
  ffmpeg: { version: string; source: FfmpegSource };
  /** per kept frame, in reel order */
  decodedSha256: string[];
  /** PSNR of each decoded frame against the frame that was encoded, inside the union mask (all pixels without one) */
  psnrDb: number[];
  seconds: { encode: number; decode: number };
}

export async function encodeStage(
  ctx: StageContext,
  job: JobState,
  drafts: FrameDraft[],
  union: UnionResult | null,
): Promise<EncodedReel> {
  const kept = drafts.filter((d) => !d.dropped);
  const unionMask = union ? await decodeMask(await ctx.target.get(KEYS.mask), KEYS.mask) : undefined;
  const region: Rect = union?.crop ?? { x: 0, y: 0, width: job.width, height: job.height };
  const regionMask = unionMask ? cropMask(unionMask, region) : undefined;
  const channels = job.mode === 'grey' ? 1 : 3;
  const ffmpeg = await resolveFfmpeg();
  const dir = await mkdtemp(join(tmpdir(), 'adreel-encode-'));
  const reelPath = join(dir, KEYS.reel);
  try {
    const encodedHashes: string[] = [];
    const t0 = performance.now();
    const result = await encodeHevc(
      framesToEncode(ctx, kept, unionMask, region, encodedHashes),
      reelPath,
      {
        width: region.width,
        height: region.height,
        channels,
        crf: job.options.crf,
        lossless: job.options.lossless,
        preset: job.options.preset,
        x265Params: job.options.x265Params,
        threads: job.options.threads,
      },
      (n) => ctx.onProgress?.('encode', n, kept.length),
    );
    const t1 = performance.now();
    const decodedSha256: string[] = [];
    const psnrDb: number[] = [];
    const originals = framesToEncode(ctx, kept, unionMask, region, [])[Symbol.asyncIterator]();
    for await (const frame of decodeHevc(reelPath, { width: region.width, height: region.height, channels })) {
      const original = (await originals.next()).value as Image;
      decodedSha256.push(frameSha256(frame));
      psnrDb.push(psnr(original, frame, regionMask?.data));
      ctx.onProgress?.('verify', decodedSha256.length, kept.length);
    }
    if (decodedSha256.length !== kept.length) {
      throw new EncoderError(`reel decodes to ${decodedSha256.length} frames, expected ${kept.length}`, reelPath);
    }
    if (job.options.lossless) {
      const bad = decodedSha256.findIndex((h, i) => h !== encodedHashes[i]);
      if (bad >= 0) throw new EncoderError(`lossless reel frame ${bad} (${kept[bad].name}) does not decode bit-exactly`, reelPath);
    }
    const t2 = performance.now();
    const sha = await sha256File(reelPath);
    await ctx.target.putFile(KEYS.reel, reelPath);
    return {
      file: KEYS.reel,
      bytes: result.bytes,
      sha256: sha,
      pixFmt: result.pixFmt,
      ffmpeg: { version: ffmpeg.version, source: ffmpeg.source },
      decodedSha256,
      psnrDb,
      seconds: { encode: (t1 - t0) / 1000, decode: (t2 - t1) / 1000 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Streams the frames as they go into the encoder: one in memory at a time. */
async function* framesToEncode(
  ctx: StageContext,
  kept: FrameDraft[],
  unionMask: Mask | undefined,
  region: Rect,
  hashes: string[],
): AsyncGenerator<Image> {
  for (const d of kept) {
    const key = KEYS.aligned(d.entryIndex);
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
