// Segmented reels. The frames are cut into runs of consecutive frames; each run is its own HEVC file with closed GOPs,
// so segments encode in parallel (ffmpeg processes in the CLI, one Lambda per segment in the cloud) and decode
// independently (a ranged restore touches only the segments it needs). The CLI and the cloud call planSegments with
// the same inputs (frame count, encoded region, options), so they cut the reel the same way.

import type { X265Preset } from '../compress/options.ts';

/** One segment of a reel: frames [firstFrame, firstFrame + frameCount) in manifest order. */
export interface ReelSegment {
  index: number;
  file: string;
  firstFrame: number;
  frameCount: number;
}

/**
 * Measured encode speed (the basis of the automatic segment length): 64 real screw frames, 1024x1024 grey,
 * libx265 preset medium, CRF 28, pools=2 (ffmpeg 5.1.9, this machine's 2 shared cores, load ~6 from other jobs):
 * 32.6 s wall, 16.3 s CPU, i.e. 2.0 Mpixel/s wall and 4.0 Mpixel per CPU-second. The wall figure is used: an
 * encode Lambda at 3008 MB has ~1.7 vCPU, so this is conservative there.
 */
export const MEASURED_ENCODE_MPIXELS_PER_SECOND = 2.0;
/** How long one segment's encode may take at the measured speed: far below Lambda's 15 minutes, leaving room
 * for reading the frames, the decode check, retries and a slower preset than measured. */
export const SEGMENT_TARGET_SECONDS = 120;
/** Short segments waste bits on key frames; long ones lose restore parallelism. */
export const MIN_SEGMENT_FRAMES = 32;
export const MAX_SEGMENT_FRAMES = 1024;
/** x265 presets' speed relative to medium. Approximate (from x265's preset documentation), not measured here. */
export const PRESET_SPEED: Readonly<Record<X265Preset, number>> = {
  ultrafast: 8,
  superfast: 6,
  veryfast: 4,
  faster: 2.5,
  fast: 1.5,
  medium: 1,
  slow: 0.5,
  slower: 0.2,
  veryslow: 0.1,
  placebo: 0.03,
};

export interface SegmentingInput {
  /** frames in the reel */
  frameCount: number;
  /** encoded region */
  width: number;
  height: number;
  channels: 1 | 3;
  preset: X265Preset;
  lossless: boolean;
  /** frames per segment; 0 = automatic */
  segmentFrames: number;
}

/** The automatic frames per segment for this frame size and preset (a multiple of 8 within the bounds). */
export function autoSegmentFrames(i: Omit<SegmentingInput, 'frameCount' | 'segmentFrames'>): number {
  // colour reels are 4:4:4: three full planes; lossless x265 runs at roughly half the speed
  const mpixels = (i.width * i.height * i.channels) / 1e6;
  const speed = MEASURED_ENCODE_MPIXELS_PER_SECOND * PRESET_SPEED[i.preset] * (i.lossless ? 0.5 : 1);
  const frames = Math.floor((SEGMENT_TARGET_SECONDS * speed) / mpixels / 8) * 8;
  return Math.min(MAX_SEGMENT_FRAMES, Math.max(MIN_SEGMENT_FRAMES, frames));
}

/** `reel.mp4` when there is one segment (the unsegmented layout), else `reel-000.mp4`, `reel-001.mp4`, ... */
export function segmentFile(index: number, count: number): string {
  return count === 1 ? 'reel.mp4' : `reel-${String(index).padStart(3, '0')}.mp4`;
}

/** Fixed-length segments (the last one holds the remainder); a dataset that fits one segment stays one. */
export function planSegments(i: SegmentingInput): ReelSegment[] {
  if (!Number.isInteger(i.frameCount) || i.frameCount < 1) throw new RangeError(`a reel needs at least one frame, got ${i.frameCount}`);
  if (!Number.isInteger(i.segmentFrames) || i.segmentFrames < 0) throw new RangeError(`segmentFrames must be 0 (auto) or positive, got ${i.segmentFrames}`);
  const per = i.segmentFrames > 0 ? i.segmentFrames : autoSegmentFrames(i);
  const count = Math.ceil(i.frameCount / per);
  const segments: ReelSegment[] = [];
  for (let s = 0; s < count; s++) {
    const firstFrame = s * per;
    segments.push({ index: s, file: segmentFile(s, count), firstFrame, frameCount: Math.min(per, i.frameCount - firstFrame) });
  }
  return segments;
}

/** The segments holding frames [first, last]. */
export function segmentsFor(segments: readonly { firstFrame: number; frameCount: number }[], first: number, last: number): number[] {
  const out: number[] = [];
  segments.forEach((s, i) => {
    if (s.firstFrame <= last && s.firstFrame + s.frameCount - 1 >= first) out.push(i);
  });
  return out;
}

