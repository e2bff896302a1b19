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

/**
 * Grows `r` around its centre to at least `min` pixels on each side (kept inside the frame, on even coordinates).
 * libx265 aborts on some grey frames only a few dozen pixels wide, so the encoded region never gets that small.
 */
export function growToMinimum(r: Rect, min: number, frameWidth: number, frameHeight: number): Rect {
  const grow = (start: number, size: number, frame: number): [number, number] => {
    if (size >= min || frame <= min) return size >= min ? [start, size] : [0, frame];
    const target = min + (min % 2);
    let s = Math.floor((start + size / 2 - target / 2) / 2) * 2;
    s = Math.max(0, Math.min(s, frame - target));
    return [s, Math.min(target, frame - s)];
  };
  const [x, width] = grow(r.x, r.width, frameWidth);
  const [y, height] = grow(r.y, r.height, frameHeight);
  return { x, y, width, height };
}
