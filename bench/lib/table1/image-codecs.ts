// Per-image codecs users pick instead of a reel, through the system FFmpeg (libaom-av1, libwebp, libjxl): each
// training image is encoded to its own file, whose bytes are counted, and decoded back to PNG for training.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { ImageCodec } from './variants.ts';

/** ffmpeg output arguments per codec; `quality` is AVIF's CRF (0-63), WebP's quality (0-100), JPEG XL's distance. */
export function codecArgs(codec: ImageCodec, quality: number): { args: string[]; ext: string } {
  switch (codec) {
    case 'avif':
      // cpu-used 6: the speed avifenc and most tools default to; still-picture makes a real AVIF image.
      return { args: ['-c:v', 'libaom-av1', '-crf', String(quality), '-b:v', '0', '-cpu-used', '6', '-still-picture', '1', '-pix_fmt', 'gray', '-f', 'avif'], ext: 'avif' };
    case 'webp':
      // WebP lossy is 4:2:0 only; the decoded luma is what training sees.
      return { args: ['-c:v', 'libwebp', '-quality', String(quality), '-pix_fmt', 'yuv420p', '-f', 'webp'], ext: 'webp' };
    case 'jxl':
      return { args: ['-c:v', 'libjxl', '-distance', String(quality), '-effort', '7', '-pix_fmt', 'gray', '-f', 'image2', '-update', '1'], ext: 'jxl' };
  }
}

function run(ffmpeg: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(ffmpeg, ['-v', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${err.trim().slice(-400)}`))));
  });
}

/** Encodes one image and decodes it back to an 8-bit grey PNG; returns the encoded file's bytes. */
export async function roundTrip(ffmpeg: string, codec: ImageCodec, quality: number, input: string, encoded: string, decodedPng: string): Promise<number> {
  const { args } = codecArgs(codec, quality);
  await run(ffmpeg, ['-i', input, ...args, encoded]);
  await run(ffmpeg, ['-i', encoded, '-frames:v', '1', '-pix_fmt', 'gray', '-update', '1', decodedPng]);
  return (await stat(encoded)).size;
}
