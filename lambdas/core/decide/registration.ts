// Without any object mask (no segmenter applies), is the dataset already registered? Each sampled image is
// compared with the reference at reduced size (about 128 px on the long side) at every shift within +-4 pixels
// there: if the unshifted position is (one of) the best by full-frame NCC for every image, nothing would be
// gained by moving the images, and they can be stored as they are.
import { NccSums } from '../align/ncc.ts';
import { luminance } from '../align/raster.ts';
import type { Image } from '../types.ts';

const SIDE = 128;
const MAX_SHIFT = 4;

export interface RegistrationCheck {
  name: string;
  /** best shift at reduced size and its NCC, and the NCC unshifted */
  bestShift: [number, number];
  bestNcc: number;
  identityNcc: number;
  /** original pixels per reduced pixel */
  scale: number;
}

function reduce(image: Image, width: number, height: number): Float64Array {
  const grey = luminance(image);
  const out = new Float64Array(width * height);
  const fx = image.width / width;
  const fy = image.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let n = 0;
      for (let yy = Math.floor(y * fy); yy < Math.min(image.height, Math.floor((y + 1) * fy)); yy++) {
        for (let xx = Math.floor(x * fx); xx < Math.min(image.width, Math.floor((x + 1) * fx)); xx++) {
          sum += grey[yy * image.width + xx];
          n++;
        }
      }
      out[y * width + x] = n ? sum / n : 0;
    }
  }
  return out;
}

function nccAt(a: Float64Array, b: Float64Array, width: number, height: number, dx: number, dy: number): number {
  const sums = new NccSums();
  for (let y = MAX_SHIFT; y < height - MAX_SHIFT; y++) {
    for (let x = MAX_SHIFT; x < width - MAX_SHIFT; x++) sums.add(a[y * width + x], b[(y + dy) * width + x + dx]);
  }
  return sums.value(1e-9);
}

export function checkRegistration(reference: Image, name: string, image: Image): RegistrationCheck {
  const scale = Math.max(reference.width, reference.height) / SIDE;
  const width = Math.max(2 * MAX_SHIFT + 4, Math.round(reference.width / scale));
  const height = Math.max(2 * MAX_SHIFT + 4, Math.round(reference.height / scale));
  const a = reduce(reference, width, height);
  // the image is reduced with the reference's factor, top-left anchored (frames of slightly different sizes)
  const b = reduce(image, Math.round(image.width / scale), Math.round(image.height / scale));
  const bw = Math.round(image.width / scale);
  const common = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) common[y * width + x] = y < Math.round(image.height / scale) && x < bw ? b[y * bw + x] : 0;
  let best: [number, number] = [0, 0];
  let bestNcc = -Infinity;
  const identityNcc = nccAt(a, common, width, height, 0, 0);
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      const v = nccAt(a, common, width, height, dx, dy);
      if (v > bestNcc + 1e-9) {
        bestNcc = v;
        best = [dx, dy];
      }
    }
  }
  return { name, bestShift: best, bestNcc, identityNcc, scale };
}

/** Registered when the best shift is within one reduced pixel of none for every sampled image. */
export function isRegistered(checks: RegistrationCheck[]): boolean {
  return checks.length > 0 && checks.every((c) => Math.abs(c.bestShift[0]) <= 1 && Math.abs(c.bestShift[1]) <= 1);
}
