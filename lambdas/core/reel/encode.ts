// Streams frames into ffmpeg/libx265 and writes one HEVC-in-MP4 reel. Frames go to ffmpeg's stdin as rawvideo,
// one at a time with back-pressure, so memory stays at about one frame whatever the dataset size.
//
// Pixel formats:
//   grey            -> gray (4:0:0). Lossless gray round-trips bit-exactly.
//   colour lossless -> gbrp: x265 codes the RGB planes directly, so the round trip is exact (no YUV matrix).
//   colour lossy    -> yuv444p, full range, BT.709 matrix, tagged so decoders convert back with the same matrix.
//                      4:4:4 rather than 4:2:0 because anomaly detection cares about small colour defects and
//                      halving chroma resolution blurs exactly those; it also accepts odd widths and heights.
import { rename, rm, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { EncoderError } from '../../ground/errors.ts';
import type { EncoderSettings } from '../compress/options.ts';
import type { Image } from '../types.ts';
import { resolveFfmpeg } from './ffmpeg.ts';
import { describeExit, spawnFfmpeg, type FfmpegProcess } from './ffmpeg-process.ts';
import { effectiveSettings, readX265Settings, type EffectiveX265, type X265Request } from './x265-settings.ts';

/** What one reel is encoded with: the run's encoder settings (checked by lambdas/core/compress/options.ts, the only
 * place that knows their ranges and defaults) and the geometry and GOP structure the caller sets. */
export interface EncodeOptions extends EncoderSettings {
  /** frame geometry: every frame must match it */
  width: number;
  height: number;
  channels: 1 | 3;
  /** maximum GOP length (x265 keyint) */
  gop?: number;
  /** closed GOPs (x265 open-gop=0): every key frame is a clean random access point, so a segment or a range
   * inside it decodes from its key frame alone */
  closedGop?: boolean;
}

export interface EncodeResult {
  frames: number;
  bytes: number;
  /** the arguments ffmpeg ran with (the output is the .partial file that was then renamed) */
  ffmpegArgs: string[];
  /** the pixel format stored in the reel */
  pixFmt: ReelPixFmt;
  /** what x265 ran with, read back from the reel (checked against what was asked) */
  effective: EffectiveX265;
}

/** The reel's frame rate: one frame per second makes frame index == timestamp in seconds (used to seek). */
export const REEL_FPS = 1;

export type ReelPixFmt = 'gray' | 'gbrp' | 'yuv444p';

/** The pixel format a reel of these options stores. */
export function reelPixFmt(channels: 1 | 3, lossless: boolean): ReelPixFmt {
  if (channels === 1) return 'gray';
  return lossless ? 'gbrp' : 'yuv444p';
}

/**
 * Encode `frames` into `outPath` (.mp4). The reel appears under its name only when complete: ffmpeg writes
 * `<outPath>.partial`, renamed on success and removed on any failure.
 */
export async function encodeHevc(
  frames: AsyncIterable<Image>,
  outPath: string,
  opts: EncodeOptions,
  onProgress?: (framesDone: number) => void,
): Promise<EncodeResult> {
  checkGeometry(opts, outPath);
  const ffmpeg = await resolveFfmpeg();
  const partialPath = `${outPath}.partial`;
  const pixFmt = reelPixFmt(opts.channels, opts.lossless === true);
  const ffmpegArgs = buildEncodeArgs(opts, pixFmt, partialPath);
  const frameBytes = opts.width * opts.height * opts.channels;

  await rm(partialPath, { force: true });
  const proc = spawnFfmpeg(ffmpeg.path, ffmpegArgs, ['pipe', 'pipe', 'pipe']);
  const stdin = proc.child.stdin!;
  // A dying ffmpeg makes writes fail with EPIPE; that surfaces through the write callback, not as a crash.
  stdin.on('error', () => {});
  const encodedFrames = collectProgressFrames(proc);

  let written = 0;
  let effective: EffectiveX265;
  try {
    for await (const frame of frames) {
      checkFrame(frame, written, opts, frameBytes, outPath);
      try {
        await writeFrame(stdin, frame.data);
        proc.touch();
      } catch (writeError) {
        throw await ffmpegFailure(proc, partialPath, `ffmpeg stopped reading at frame ${written}`, writeError);
      }
      written += 1;
      rejectIgnoredX265Params(proc, outPath);
      onProgress?.(written);
    }
    if (written === 0) throw new EncoderError('no frames to encode', outPath);
    stdin.end();
    const exit = await proc.exited;
    if (exit.code !== 0) throw await ffmpegFailure(proc, partialPath, 'encoding failed');
    rejectIgnoredX265Params(proc, outPath);
    const encoded = await encodedFrames;
    if (encoded !== written) {
      throw new EncoderError(`ffmpeg encoded ${encoded} frames but ${written} were sent`, outPath);
    }
    // before the rename: a reel whose settings x265 changed never appears under its name
    effective = effectiveSettings(await readX265Settings(partialPath), x265Request(opts), outPath);
    await rename(partialPath, outPath);
  } catch (error) {
    // Covers a throwing frames iterable, a bad frame, and ffmpeg failures alike: nothing half-written survives.
    proc.kill();
    stdin.destroy();
    await proc.exited;
    await rm(partialPath, { force: true });
    throw error;
  }
  const { size } = await stat(outPath);
  return { frames: written, bytes: size, ffmpegArgs, pixFmt, effective };
}

/** The full ffmpeg argument list for an encode from rawvideo on stdin. */
export function buildEncodeArgs(opts: EncodeOptions, pixFmt: ReelPixFmt, output: string): string[] {
  return [
    '-hide_banner',
    // Warnings are kept (tagged with their level) so x265 parameters that libx265 ignored can be reported.
    '-loglevel', 'level+warning',
    '-nostats',
    '-progress', 'pipe:1',
    '-y',
    '-f', 'rawvideo',
    '-pix_fmt', opts.channels === 1 ? 'gray' : 'rgb24',
    '-s', `${opts.width}x${opts.height}`,
    '-r', String(REEL_FPS),
    '-i', 'pipe:0',
    ...buildX265OutputArgs(opts, pixFmt, output),
  ];
}

/**
 * Everything after the input: codec, x265 settings, pixel format, container. Shared with benchmarks so a bare
 * ffmpeg baseline encodes with exactly the same settings.
 */
export function buildX265OutputArgs(
  opts: Omit<EncodeOptions, 'width' | 'height' | 'channels'>,
  pixFmt: ReelPixFmt,
  output: string,
): string[] {
  const x265 = [...adreelX265Entries(opts), ...userX265Entries(opts)];

  const colour =
    pixFmt === 'yuv444p'
      ? ['-vf', 'scale=out_color_matrix=bt709:out_range=full', '-colorspace', 'bt709', '-color_range', 'pc']
      : [];
  return [
    '-an',
    ...colour,
    '-c:v', 'libx265',
    '-preset', opts.preset,
    ...(opts.crf === null ? [] : ['-crf', String(opts.crf)]),
    '-x265-params', x265.join(':'),
    '-pix_fmt', pixFmt,
    '-tag:v', 'hvc1',
    '-movflags', '+faststart',
    '-f', 'mp4',
    output,
  ];
}

type X265Options = Omit<EncodeOptions, 'width' | 'height' | 'channels'>;

/** The x265-params entries adreel sets itself (the user's come after them). */
function adreelX265Entries(opts: X265Options): string[] {
  const x265 = ['log-level=error'];
  if (opts.lossless) x265.push('lossless=1');
  // x265's rate control at rateFps, whatever the timestamps (REEL_FPS) say
  if (opts.rateFps !== undefined && opts.rateFps !== REEL_FPS) x265.push(`fps=${opts.rateFps}`);
  if (opts.gop !== undefined) x265.push(`keyint=${opts.gop}`);
  if (opts.closedGop) x265.push('open-gop=0');
  if (opts.threads !== undefined) {
    // Bitstreams depend on the thread layout; fixing pools, frame threads and lookahead threads makes them repeatable.
    x265.push(`pools=${opts.threads}`, `frame-threads=${Math.min(opts.threads, 16)}`, 'lookahead-threads=0');
  }
  return x265;
}

function userX265Entries(opts: X265Options): string[] {
  return opts.x265Params ? opts.x265Params.split(':') : [];
}

/** What an encode asks x265 for, to compare with what it ran with. */
export function x265Request(opts: EncodeOptions): X265Request {
  return {
    entries: [...adreelX265Entries(opts), ...userX265Entries(opts)],
    userEntries: userX265Entries(opts),
    crf: opts.crf,
    lossless: opts.lossless === true,
    channels: opts.channels,
    inputFps: REEL_FPS,
  };
}

/** The caller's geometry (not user options: those were checked by options.ts before any work started). */
function checkGeometry(opts: EncodeOptions, outPath: string): void {
  for (const key of ['width', 'height'] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 1) throw new EncoderError(`${key} must be a positive integer, got ${opts[key]}`, outPath);
  }
  if (opts.channels !== 1 && opts.channels !== 3) throw new EncoderError(`channels must be 1 or 3, got ${opts.channels}`, outPath);
  if (opts.gop !== undefined && !(Number.isInteger(opts.gop) && opts.gop >= 1)) throw new EncoderError(`gop must be a positive integer, got ${opts.gop}`, outPath);
}

function checkFrame(frame: Image, index: number, opts: EncodeOptions, frameBytes: number, outPath: string): void {
  if (frame.width !== opts.width || frame.height !== opts.height || frame.channels !== opts.channels) {
    throw new EncoderError(
      `frame ${index} is ${frame.width}x${frame.height}x${frame.channels}, ` +
        `but the reel is ${opts.width}x${opts.height}x${opts.channels}`,
      outPath,
    );
  }
  if (frame.data.byteLength !== frameBytes) {
    throw new EncoderError(`frame ${index} has ${frame.data.byteLength} bytes of pixels, expected ${frameBytes}`, outPath);
  }
}

/**
 * Resolves once ffmpeg's pipe has taken the whole frame. Waiting for the write itself (not only for 'drain')
 * also means the caller may reuse or drop the frame's buffer as soon as this returns.
 */
function writeFrame(stdin: Writable, pixels: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stdin.write(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

/**
 * libx265 only warns about unknown or invalid x265-params and encodes without them; a reel whose manifest
 * claims settings that were never applied would mislead, so those warnings are errors here.
 */
function rejectIgnoredX265Params(proc: FfmpegProcess, outPath: string): void {
  const ignored = [...proc.stderrText().matchAll(/\[libx265 @ [^\]]*\] \[warning\] ((?:Unknown option|Invalid value for)[^\n]*)/g)];
  if (ignored.length > 0) {
    throw new EncoderError(`libx265 rejected x265 parameters: ${ignored.map((m) => m[1]!.trim()).join('; ')}`, outPath);
  }
}

/** The last `frame=N` of ffmpeg's -progress output: how many frames actually reached the muxer. */
function collectProgressFrames(proc: FfmpegProcess): Promise<number> {
  return new Promise((resolve) => {
    let text = '';
    const stdout = proc.child.stdout!;
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      // Keep only the tail; a long encode reports progress many times.
      text = (text + chunk).slice(-4096);
    });
    stdout.on('close', () => {
      const matches = [...text.matchAll(/^frame=(\d+)$/gm)];
      resolve(matches.length > 0 ? Number(matches[matches.length - 1]![1]) : 0);
    });
  });
}

async function ffmpegFailure(proc: FfmpegProcess, partialPath: string, what: string, cause?: unknown): Promise<EncoderError> {
  proc.kill();
  const exit = await proc.exited;
  const tail = proc.stderrTail();
  const exitText = describeExit(exit, proc.spawnError());
  const causeText = cause instanceof Error && !tail ? ` (${cause.message})` : '';
  return new EncoderError(
    `${what}; ${exitText}${causeText}${tail ? `. ffmpeg said:\n${tail}` : ''}`,
    partialPath.replace(/\.partial$/, ''),
  );
}
