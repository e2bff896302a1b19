// Cropping to the encoded region and padding back to the full frame (outside the region is blank, value 0).
import type { Image } from './types.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function cropImage(image: Image, r: Rect): Image {
  if (r.x < 0 || r.y < 0 || r.x + r.width > image.width || r.y + r.height > image.height) {
    throw new RangeError(`crop ${JSON.stringify(r)} exceeds the ${image.width}x${image.height} frame`);
  }
  const c = image.channels;
  const out = new Uint8Array(r.width * r.height * c);
  const rowBytes = r.width * c;
  for (let y = 0; y < r.height; y++) {
    const src = ((r.y + y) * image.width + r.x) * c;
    out.set(image.data.subarray(src, src + rowBytes), y * rowBytes);
  }
  return { width: r.width, height: r.height, channels: image.channels, data: out };
}

export function padImage(region: Image, r: Rect, width: number, height: number): Image {
  if (region.width !== r.width || region.height !== r.height) {
    throw new RangeError(`region is ${region.width}x${region.height}, expected ${r.width}x${r.height}`);
  }
  const c = region.channels;
  const out = new Uint8Array(width * height * c);
  const rowBytes = r.width * c;
  for (let y = 0; y < r.height; y++) {
    const dst = ((r.y + y) * width + r.x) * c;
    out.set(region.data.subarray(y * rowBytes, (y + 1) * rowBytes), dst);
  }
  return { width, height, channels: region.channels, data: out };
}

/** PSNR (dB) between two images of equal geometry over the pixels where `inside` is non-zero (all when omitted). */
export function psnr(a: Image, b: Image, inside?: Uint8Array): number {
  const c = a.channels;
  let se = 0;
  let n = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    if (inside && inside[p] === 0) continue;
    for (let k = 0; k < c; k++) {
      const d = a.data[p * c + k] - b.data[p * c + k];
      se += d * d;
      n++;
    }
  }
  if (n === 0) return Infinity;
  const mse = se / n;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
