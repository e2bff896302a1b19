// How much does adreel's streaming encoder cost over ffmpeg alone? Times encodeHevc (PNGs decoded by sharp in
// Node and piped to ffmpeg as rawvideo) against one bare ffmpeg that reads the same PNGs itself (image2 demuxer)
// and encodes them with the same x265 arguments. Median of `runs` each, runs interleaved so machine load hits both.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { buildX265OutputArgs, encodeHevc, reelPixFmt, REEL_FPS, type EncodeOptions } from '../../lambdas/core/reel/encode.ts';
import { encoderSettings } from '../../lambdas/core/compress/options.ts';
import { resolveFfmpeg } from '../../lambdas/core/reel/ffmpeg.ts';
import type { Image } from '../../lambdas/core/types.ts';

export type BaselineEncodeSettings = Omit<EncodeOptions, 'width' | 'height' | 'channels'>;

export interface BaselineComparison {
  frames: number;
  width: number;
  height: number;
  channels: 1 | 3;
  runs: number;
  /** median wall time of encodeHevc, PNG decoding included */
  adreelSeconds: number;
  /** median wall time of the bare ffmpeg encode, PNG decoding included */
  bareSeconds: number;
  /** adreelSeconds / bareSeconds */
  ratio: number;
  adreelBytes: number;
  bareBytes: number;
  /** the two reels hold identical HEVC packets (same pixels in, same settings; MP4 headers may differ) */
  samePackets: boolean;
  bareArgs: string[];
}

export async function compareWithBareFfmpeg({
  framesDir,
  opts = encoderSettings(),
  runs = 3,
  limit,
}: {
  framesDir: string;
  opts?: BaselineEncodeSettings;
  runs?: number;
  /** use only the first `limit` PNGs in name order */
  limit?: number;
}): Promise<BaselineComparison> {
  const files = (await readdir(framesDir)).filter((name) => name.toLowerCase().endsWith('.png')).sort();
  const chosen = files.slice(0, limit ?? files.length).map((name) => path.join(framesDir, name));
  if (chosen.length === 0) throw new Error(`${framesDir}: no .png frames`);
  const first = await sharp(chosen[0]).metadata();
  const channels: 1 | 3 = (first.channels ?? 3) <= 2 ? 1 : 3;
  const width = first.width;
  const height = first.height;
  const ffmpeg = await resolveFfmpeg();
  const workDir = await mkdtemp(path.join(tmpdir(), 'adreel-encode-baseline-'));
  const pixFmt = reelPixFmt(channels, opts.lossless === true);
  const adreelOut = path.join(workDir, 'adreel.mp4');
  const bareOut = path.join(workDir, 'bare.mp4');
  const bareArgs = [
    '-hide_banner',
    '-loglevel', 'error',
    '-nostdin',
    '-y',
    '-framerate', String(REEL_FPS),
    '-pattern_type', 'glob',
    '-i', path.join(escapeGlob(framesDir), '*.png'),
    '-frames:v', String(chosen.length),
    ...buildX265OutputArgs(opts, pixFmt, bareOut),
  ];
  try {
    const adreelTimes: number[] = [];
    const bareTimes: number[] = [];
    for (let run = 0; run < runs; run++) {
      let started = performance.now();
      await encodeHevc(readFrames(chosen, channels), adreelOut, { ...opts, width, height, channels });
      adreelTimes.push((performance.now() - started) / 1000);
      started = performance.now();
      await execFileChecked(ffmpeg.path, bareArgs);
      bareTimes.push((performance.now() - started) / 1000);
    }
    const adreelSeconds = median(adreelTimes);
    const bareSeconds = median(bareTimes);
    const [adreelBytes, bareBytes] = await Promise.all([stat(adreelOut), stat(bareOut)]).then((s) => s.map((x) => x.size));
    const samePackets = (await packetDigests(ffmpeg.path, adreelOut)) === (await packetDigests(ffmpeg.path, bareOut));
    return {
      frames: chosen.length,
      width,
      height,
      channels,
      runs,
      adreelSeconds,
      bareSeconds,
      ratio: adreelSeconds / bareSeconds,
      adreelBytes: adreelBytes!,
      bareBytes: bareBytes!,
      samePackets,
      bareArgs,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Decodes PNGs one at a time, starting the next decode while the current frame is being written. */
async function* readFrames(files: string[], channels: 1 | 3): AsyncIterable<Image> {
  const decode = async (file: string): Promise<Image> => {
    const pipeline = channels === 1 ? sharp(file).toColourspace('b-w') : sharp(file).removeAlpha().toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`${file}: decoded to ${info.channels} channels, expected ${channels}`);
    return { width: info.width, height: info.height, channels, data };
  };
  let next = files.length > 0 ? decode(files[0]!) : undefined;
  for (let i = 0; next; i++) {
    const current = await next;
    next = i + 1 < files.length ? decode(files[i + 1]!) : undefined;
    yield current;
  }
}

function execFileChecked(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`ffmpeg ${args.join(' ')} failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** MD5 of every video packet, in order (ffmpeg's framemd5 muxer on a stream copy): the bitstream, not the container. */
async function packetDigests(ffmpegPath: string, reel: string): Promise<string> {
  const listing = await execFileChecked(ffmpegPath, ['-v', 'error', '-i', reel, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-']);
  return listing
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').pop()!.trim())
    .join(' ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The image2 glob treats * ? [ ] as patterns; a folder name containing them must be matched literally. */
function escapeGlob(dir: string): string {
  return dir.replace(/[*?[\]]/g, '\\$&');
}
