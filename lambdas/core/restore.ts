// Restore: decode the reel back into one image per training sample (aligned and masked: what models train on),
// checking every decoded frame against the manifest so a damaged reel is refused, never half-trusted.
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { makeScratchDir } from './scratch.ts';
import { join } from 'node:path';
import type { Storage } from '../ground/storage.ts';
import { invertAffine, warpImage } from './align/index.ts';
import { loadManifest } from './artifacts.ts';
import { IntegrityError, UsageError } from '../ground/errors.ts';
import { toReferenceSize } from './frame-scale.ts';
import { padImage } from './geometry.ts';
import { frameSha256, sha256File } from './hash.ts';
import { encodePng } from './image-io.ts';
import { segmentFramesSha256, type Manifest } from './manifest.ts';
import { decodeHevc } from './reel/decode.ts';
import { mapPool } from './map-pool.ts';
import { segmentsFor } from './reel/segments.ts';
import type { Image } from './types.ts';

export interface FrameRange {
  first: number;
  last: number;
}

export interface RestoreOptions {
  /** 0-based inclusive range in manifest order */
  frames?: FrameRange;
  /** warp each frame back to its source image's geometry */
  originalGeometry?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface RestoredFrame {
  index: number;
  /** `<original stem>.png` */
  fileName: string;
  png: Buffer;
}

/** Parses `A-B` (or a single `A`) into a range, checked against the frame count. */
export function parseFrameRange(text: string, frameCount?: number): FrameRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`--frames expects A-B (0-based, inclusive), got "${text}"`);
  const range = { first: Number(m[1]), last: Number(m[2] ?? m[1]) };
  if (range.last < range.first) throw new UsageError(`--frames ${text}: the end comes before the start`);
  if (frameCount !== undefined && range.last >= frameCount) {
    throw new UsageError(`--frames ${text}: the reel has ${frameCount} frames (0-${frameCount - 1})`);
  }
  return range;
}

/**
 * Yields restored frames in order, each after its segment passed the size and sha256 check; the decoded-frame digest
 * (per frame in v1, per segment in v2) is checked by the end of each segment, so a caller that
 * writes as it goes must treat the run as incomplete until the generator finishes.
 */
export async function* restoreFrames(store: Storage, opts: RestoreOptions = {}): AsyncGenerator<RestoredFrame> {
  const m = await loadManifest(store);
  for await (const { index, decoded, total } of decodeCheckedFrames(store, m, opts.frames)) {
    yield await toRestored(m, index, decoded, opts.originalGeometry);
    opts.onProgress?.('restore', index - (opts.frames?.first ?? 0) + 1, total);
  }
}

async function toRestored(m: Manifest, index: number, decoded: Image, originalGeometry?: boolean): Promise<RestoredFrame> {
  const region = m.frame.crop ?? { x: 0, y: 0, width: m.frame.width, height: m.frame.height };
  const record = m.frames[index];
  let image = padImage(decoded, region, m.frame.width, m.frame.height);
  if (originalGeometry && record.transform) {
    if (m.frame.scale) image = await toReferenceSize(image, m.frame.scale.referenceWidth, m.frame.scale.referenceHeight);
    image = await warpImage(image, invertAffine(record.transform), record.source.width, record.source.height, { border: 'zero' });
  } else if (!m.frame.scale && record.transform && isIdentity(record.transform) && (record.source.width !== image.width || record.source.height !== image.height)) {
    // an unaligned image of another size was only placed (top-left) in the frame: give it its own size back
    image = await warpImage(image, record.transform, record.source.width, record.source.height, { border: 'zero' });
  }
  return { index, fileName: `${record.stem}.png`, png: await encodePng(image) };
}

export interface ParallelRestoreOptions extends RestoreOptions {
  /** segments decoded at the same time (ffmpeg processes); default: the machine's cores */
  concurrency?: number;
  /** a manifest already loaded (and checked) by the caller */
  manifest?: Manifest;
}

export interface ParallelRestoreResult {
  frames: number;
  /** the reel segments that were read (indices into manifest.reels) */
  segments: number[];
}

/** The segments (indices into manifest.reels) that hold the frames of `range` (all by default). */
export function segmentsNeeded(m: Manifest, range?: FrameRange): number[] {
  return segmentsFor(m.reels, range?.first ?? 0, range?.last ?? m.frames.length - 1);
}

/**
 * Restores the frames of `opts.frames` (all by default) segment by segment, `concurrency` segments at a time,
 * touching only the segments that hold them. `sink` receives every frame once it has been checked; frames of one
 * segment arrive in order, segments interleave. A caller that writes as it goes must treat the run as incomplete
 * until the promise resolves (it rejects on the first damaged segment).
 */
export async function restoreFramesParallel(
  store: Storage,
  sink: (frame: RestoredFrame) => Promise<void>,
  opts: ParallelRestoreOptions = {},
): Promise<ParallelRestoreResult> {
  const m = opts.manifest ?? (await loadManifest(store));
  const range = opts.frames ?? { first: 0, last: m.frames.length - 1 };
  if (range.first < 0 || range.last >= m.frames.length || range.last < range.first) {
    throw new UsageError(`frames ${range.first}-${range.last} requested, the reel has ${m.frames.length} (0-${m.frames.length - 1})`);
  }
  const segments = segmentsNeeded(m, range);
  const total = range.last - range.first + 1;
  let done = 0;
  await mapPool(segments, opts.concurrency ?? availableParallelism(), async (si) => {
    await restoreSegment(store, m, si, range, async (f) => {
      await sink(f);
      done += 1; // not inside the optional call: its arguments are skipped when there is no onProgress
      opts.onProgress?.('restore', done, total);
    }, opts.originalGeometry);
  });
  if (done !== total) throw new IntegrityError(store.description, `restored ${done} frames, expected ${total}`);
  return { frames: done, segments };
}

/** The frames of `range` held by segment `segmentIndex`, checked, restored, handed to `sink` in order. */
export async function restoreSegment(
  store: Storage,
  m: Manifest,
  segmentIndex: number,
  range: FrameRange | undefined,
  sink: (frame: RestoredFrame) => Promise<void>,
  originalGeometry?: boolean,
): Promise<number> {
  const reel = m.reels[segmentIndex];
  if (!reel) throw new UsageError(`segment ${segmentIndex} does not exist (the reel has ${m.reels.length})`);
  const first = Math.max(range?.first ?? 0, reel.firstFrame);
  const last = Math.min(range?.last ?? m.frames.length - 1, reel.firstFrame + reel.frameCount - 1);
  if (first > last) return 0;
  let n = 0;
  for await (const { index, decoded } of decodeCheckedFrames(store, m, { first, last })) {
    await sink(await toRestored(m, index, decoded, originalGeometry));
    n++;
  }
  return n;
}

/**
 * Decodes the frames of `range` (all by default) as encoded (cropped region), touching only the reel segments
 * that hold them, after checking each segment's size and sha256 and each frame's decoded hash.
 */
export async function* decodeCheckedFrames(
  store: Storage,
  m: Manifest,
  frames?: FrameRange,
): AsyncGenerator<{ index: number; decoded: Image; total: number }> {
  const range = frames ?? { first: 0, last: m.frames.length - 1 };
  if (range.first < 0 || range.last >= m.frames.length || range.last < range.first) {
    throw new UsageError(`frames ${range.first}-${range.last} requested, the reel has ${m.frames.length} (0-${m.frames.length - 1})`);
  }
  const total = range.last - range.first + 1;
  const channels = m.frame.mode === 'grey' ? 1 : 3;
  const region = m.frame.crop ?? { x: 0, y: 0, width: m.frame.width, height: m.frame.height };
  const dir = await makeScratchDir('adreel-decode-');
  try {
    for (const reel of m.reels) {
      const lo = Math.max(range.first, reel.firstFrame);
      const hi = Math.min(range.last, reel.firstFrame + reel.frameCount - 1);
      if (lo > hi) continue; // this segment holds none of the requested frames
      const local = join(dir, reel.file);
      await fetchCheckedReel(store, reel, local);
      // v2 records one digest over the segment's decoded frames, so the whole segment is decoded and hashed; the
      // frames outside the range are not yielded. A caller publishes nothing before this generator has finished.
      const whole = reel.framesSha256 !== undefined;
      const start = whole ? reel.firstFrame : lo;
      const end = whole ? reel.firstFrame + reel.frameCount - 1 : hi;
      const hashes: string[] = [];
      let index = start;
      for await (const decoded of decodeHevc(local, { width: region.width, height: region.height, channels }, {
        firstFrame: start - reel.firstFrame,
        frameCount: end - start + 1,
      })) {
        if (index > end) throw new IntegrityError(`${store.description}/${reel.file}`, `decodes to more than the ${end - start + 1} frames the manifest records`);
        const record = m.frames[index];
        const hash = frameSha256(decoded);
        hashes.push(hash);
        if (record.decodedSha256 !== undefined && hash !== record.decodedSha256) {
          throw new IntegrityError(
            `${store.description}/${reel.file}`,
            `frame ${index} (${record.name}) decodes to ${hash.slice(0, 16)}..., the manifest recorded ${record.decodedSha256.slice(0, 16)}...: damaged reel`,
          );
        }
        if (index >= lo && index <= hi) yield { index, decoded, total };
        index++;
      }
      if (index !== end + 1) {
        throw new IntegrityError(`${store.description}/${reel.file}`, `decoded ${index - start} frames, expected ${end - start + 1}`);
      }
      if (whole) {
        const digest = segmentFramesSha256(hashes);
        if (digest !== reel.framesSha256) {
          throw new IntegrityError(
            `${store.description}/${reel.file}`,
            `frames ${start}-${end} decode to digest ${digest.slice(0, 16)}..., the manifest recorded ${reel.framesSha256!.slice(0, 16)}...: damaged reel`,
          );
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fetchCheckedReel(store: Storage, reel: Manifest['reels'][number], local: string): Promise<void> {
  const where = `${store.description}/${reel.file}`;
  const head = await store.head(reel.file);
  if (!head) throw new IntegrityError(where, 'reel file is missing');
  if (head.bytes !== reel.bytes) {
    throw new IntegrityError(where, `reel is ${head.bytes} bytes, the manifest recorded ${reel.bytes}: truncated or replaced`);
  }
  await store.getFile(reel.file, local);
  const sha = await sha256File(local);
  if (sha !== reel.sha256) {
    throw new IntegrityError(where, `reel sha256 ${sha.slice(0, 16)}... differs from the manifest's ${reel.sha256.slice(0, 16)}...: tampered or damaged`);
  }
}

function isIdentity(m: readonly number[]): boolean {
  return m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 0 && m[4] === 1 && m[5] === 0;
}
