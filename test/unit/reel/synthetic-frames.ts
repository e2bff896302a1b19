// Small deterministic frames that look enough like photos (smooth shading, an object that moves, some noise)
// for HEVC's lossy modes to behave like they do on real data.
import type { Image } from '../../../lambdas/core/types.ts';

export function syntheticFrame(index: number, width: number, height: number, channels: 1 | 3): Image {
  const data = new Uint8Array(width * height * channels);
  let seed = (index + 1) * 2654435761;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 24) % 9;
  };
  const cx = width * (0.3 + 0.02 * index);
  const cy = height * 0.5;
  const radius = Math.min(width, height) * 0.25;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
      const base = inside ? 200 - ((x + y) % 17) : 30 + (x * 60) / width;
      for (let c = 0; c < channels; c++) {
        const value = base + noise() + c * 15 * (inside ? 1 : -1);
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { width, height, channels, data };
}

export function syntheticFrames(count: number, width: number, height: number, channels: 1 | 3): Image[] {
  return Array.from({ length: count }, (_, i) => syntheticFrame(i, width, height, channels));
}

export async function* streamOf(frames: Image[]): AsyncIterable<Image> {
  for (const frame of frames) yield frame;
}

/** Peak signal-to-noise ratio in dB over all samples of two same-shaped images. */
export function psnr(a: Image, b: Image): number {
  let squaredError = 0;
  for (let i = 0; i < a.data.length; i++) squaredError += (a.data[i]! - b.data[i]!) ** 2;
  const mse = squaredError / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
