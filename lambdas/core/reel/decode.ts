// Reads frames back out of a reel, streaming ffmpeg's rawvideo output one exact frame-size chunk at a time, and
// probes a reel's geometry and frame count. Any sign of a damaged reel becomes an IntegrityError.
import { stat } from 'node:fs/promises';
import { IntegrityError, UsageError } from '../../ground/errors.ts';
import type { Image } from '../types.ts';
import { REEL_FPS } from './encode.ts';
import { resolveFfmpeg } from './ffmpeg.ts';
import { describeExit, spawnFfmpeg } from './ffmpeg-process.ts';

export interface ReelGeometry {
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface DecodeOptions {
  /** index of the first frame to return (default 0) */
  firstFrame?: number;
  /** how many frames to return (default: all from firstFrame to the end); fewer in the reel is an error */
  frameCount?: number;
}

export interface ReelProbe {
  frames: number;
  width: number;
  height: number;
  codec: string;
  pixFmt: string;
}

/** Probe output is small; keep all of it so the stream line is never cut off by later warnings. */
const PROBE_STDERR_CHARS = 1024 * 1024;

/**
 * Decode frames [firstFrame, firstFrame + frameCount) of a reel. Frames are yielded as they arrive; if the reel
 * turns out to be damaged the iteration throws IntegrityError (possibly after some frames), so a consumer must
 * treat the whole pass as failed when it throws. Leaving the loop early kills ffmpeg.
 */
export async function* decodeHevc(
  reelPath: string,
  geometry: ReelGeometry,
  opts: DecodeOptions = {},
): AsyncIterable<Image> {
  const firstFrame = opts.firstFrame ?? 0;
  checkDecodeRequest(geometry, firstFrame, opts.frameCount);
  const probe = await probeReel(reelPath);
  checkGeometry(reelPath, probe, geometry);
  const expected = opts.frameCount ?? Math.max(0, probe.frames - firstFrame);
  if (firstFrame + expected > probe.frames) {
    throw new IntegrityError(
      reelPath,
      `the reel has ${probe.frames} frames, but frames ${firstFrame}..${firstFrame + expected - 1} were asked for`,
    );
  }
  if (expected === 0) return;

  const ffmpeg = await resolveFfmpeg();
  const outPixFmt = geometry.channels === 1 ? 'gray' : 'rgb24';
  const args = [
    '-hide_banner',
    '-loglevel', 'error',
    '-nostdin',
    '-xerror',
    // Frame i sits at i / REEL_FPS seconds; seeking half a frame early is exact and safe from rounding, and
    // ffmpeg's accurate seek decodes from the previous keyframe and drops everything before that time.
    ...(firstFrame > 0 ? ['-ss', String((firstFrame - 0.5) / REEL_FPS)] : []),
    '-i', reelPath,
    '-map', '0:v:0',
    '-an',
    '-fps_mode', 'passthrough',
    '-frames:v', String(expected),
    '-f', 'rawvideo',
    '-pix_fmt', outPixFmt,
    'pipe:1',
  ];
  const frameBytes = geometry.width * geometry.height * geometry.channels;
  const proc = spawnFfmpeg(ffmpeg.path, args, ['ignore', 'pipe', 'pipe']);
  const stdout = proc.child.stdout!;

  let decoded = 0;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  try {
    try {
      for await (const chunk of stdout as AsyncIterable<Buffer>) {
        let offset = 0;
        while (offset < chunk.length) {
          const take = Math.min(frameBytes - filled, chunk.length - offset);
          frame.set(chunk.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === frameBytes) {
            yield { width: geometry.width, height: geometry.height, channels: geometry.channels, data: frame };
            decoded += 1;
            frame = new Uint8Array(frameBytes);
            filled = 0;
          }
        }
      }
    } catch (readError) {
      throw new IntegrityError(reelPath, `reading decoded frames failed: ${(readError as Error).message}`);
    }
    const exit = await proc.exited;
    const stderr = proc.stderrTail();
    if (exit.code !== 0) {
      throw new IntegrityError(reelPath, `decoding failed (${describeExit(exit, proc.spawnError())})${said(stderr)}`);
    }
    // -loglevel error prints nothing for a healthy reel; anything printed is a decoding problem.
    if (stderr) throw new IntegrityError(reelPath, `ffmpeg reported errors while decoding${said(stderr)}`);
    if (filled > 0) {
      throw new IntegrityError(
        reelPath,
        `the decoded stream ended in the middle of frame ${firstFrame + decoded} (${filled} of ${frameBytes} bytes)`,
      );
    }
    if (decoded < expected) {
      throw new IntegrityError(
        reelPath,
        `decoded ${decoded} frames from frame ${firstFrame}, expected ${expected}`,
      );
    }
  } finally {
    // Runs on normal end, on error and when the consumer breaks out of its loop.
    proc.kill();
    stdout.destroy();
    await proc.exited;
  }
}

/**
 * Geometry, codec and frame count of a reel without decoding it: ffmpeg stream-copies the video into the null
 * muxer (fast) and counts packets. -xerror turns a truncated file into a failure rather than a short count.
 */
export async function probeReel(reelPath: string): Promise<ReelProbe> {
  await requireFile(reelPath);
  const ffmpeg = await resolveFfmpeg();
  const args = [
    '-hide_banner',
    '-loglevel', 'level+info',
    '-nostdin',
    '-xerror',
    '-i', reelPath,
    '-map', '0:v:0?',
    '-c', 'copy',
    '-f', 'null',
    '-progress', 'pipe:1',
    '-nostats',
    '-',
  ];
  const proc = spawnFfmpeg(ffmpeg.path, args, ['ignore', 'pipe', 'pipe'], PROBE_STDERR_CHARS);
  let progress = '';
  proc.child.stdout!.setEncoding('utf8');
  proc.child.stdout!.on('data', (text: string) => {
    progress = (progress + text).slice(-4096);
  });
  const exit = await proc.exited;
  const stderr = proc.stderrText();
  const problems = stderr
    .split(/\r?\n/)
    .filter((line) => /\[(error|fatal|panic)\]/.test(line))
    .map((line) => line.replace(/^.*?\[(error|fatal|panic)\]\s*/, '').trim());
  if (exit.code !== 0 || problems.length > 0) {
    const detail = problems.length > 0 ? problems.slice(-6).join('; ') : proc.stderrTail(4);
    throw new IntegrityError(reelPath, `not a readable reel (${describeExit(exit, proc.spawnError())}): ${detail}`);
  }
  const stream = /Stream #0:\d+\S*: Video: (\S+)[^,]*, ([a-z0-9_]+)(?:\([^)]*\))?, (\d+)x(\d+)/.exec(stderr);
  if (!stream) throw new IntegrityError(reelPath, 'the file has no video stream');
  const counts = [...progress.matchAll(/^frame=(\d+)$/gm)];
  if (counts.length === 0) throw new IntegrityError(reelPath, 'ffmpeg reported no frame count for the video stream');
  return {
    frames: Number(counts[counts.length - 1]![1]),
    codec: stream[1]!,
    pixFmt: stream[2]!,
    width: Number(stream[3]),
    height: Number(stream[4]),
  };
}

function checkDecodeRequest(geometry: ReelGeometry, firstFrame: number, frameCount: number | undefined): void {
  if (!Number.isInteger(geometry.width) || geometry.width < 1 || !Number.isInteger(geometry.height) || geometry.height < 1) {
    throw new UsageError(`decode geometry must have positive integer width and height, got ${geometry.width}x${geometry.height}`);
  }
  if (geometry.channels !== 1 && geometry.channels !== 3) {
    throw new UsageError(`decode geometry channels must be 1 or 3, got ${geometry.channels}`);
  }
  if (!Number.isInteger(firstFrame) || firstFrame < 0) {
    throw new UsageError(`firstFrame must be a non-negative integer, got ${firstFrame}`);
  }
  if (frameCount !== undefined && !(Number.isInteger(frameCount) && frameCount >= 0)) {
    throw new UsageError(`frameCount must be a non-negative integer, got ${frameCount}`);
  }
}

function checkGeometry(reelPath: string, probe: ReelProbe, geometry: ReelGeometry): void {
  if (probe.width !== geometry.width || probe.height !== geometry.height) {
    throw new IntegrityError(
      reelPath,
      `the reel's frames are ${probe.width}x${probe.height}, expected ${geometry.width}x${geometry.height}`,
    );
  }
  const reelIsGrey = probe.pixFmt.startsWith('gray');
  if (reelIsGrey !== (geometry.channels === 1)) {
    throw new IntegrityError(
      reelPath,
      `the reel stores ${probe.pixFmt} but ${geometry.channels === 1 ? 'grey' : 'colour'} frames were expected`,
    );
  }
}

async function requireFile(file: string): Promise<void> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new IntegrityError(file, 'the reel is not a regular file');
  } catch (error) {
    if (error instanceof IntegrityError) throw error;
    throw new IntegrityError(file, `the reel cannot be read (${(error as NodeJS.ErrnoException).code ?? 'stat failed'})`);
  }
}

function said(stderr: string): string {
  return stderr ? `. ffmpeg said:\n${stderr}` : '';
}
