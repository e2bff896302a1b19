// Is there an object at all? A texture (a surface with no object) looks the same in the frame's centre as along its
// border; an object does not. Per image: luminance mean and standard deviation of a 5x5 grid of tiles; the 16
// border tiles give the background's own spread (median, MAD); a centre tile whose mean or deviation is a robust
// outlier of the border tiles (|modified z| > 3.5) is an object. The spread comes from the image itself, so a
// busy texture tolerates large differences and a plain background almost none. A colour image is also tested on
// each of its R, G, B planes, so an object of the background's brightness but another colour is still an object.
import { luminance } from '../align/raster.ts';
import type { Image } from '../types.ts';
import { MAD_TO_SIGMA, mad, median, OUTLIER_Z } from './robust-stats.ts';

const GRID = 5;
/** Below one grey level of spread the 8-bit quantisation dominates: the MAD is floored there. */
const MIN_SIGMA = 1;

export interface ObjectPresence {
  name: string;
  /** true when some centre tile is an outlier of the border tiles */
  object: boolean;
  /** the largest |modified z| of a centre tile's mean or deviation against the border tiles */
  maxZ: number;
}

function tileStats(grey: Uint8Array, width: number, height: number): { mean: number; std: number; border: boolean }[] {
  const tiles: { mean: number; std: number; border: boolean }[] = [];
  for (let ty = 0; ty < GRID; ty++) {
    for (let tx = 0; tx < GRID; tx++) {
      const x0 = Math.floor((tx * width) / GRID);
      const x1 = Math.floor(((tx + 1) * width) / GRID);
      const y0 = Math.floor((ty * height) / GRID);
      const y1 = Math.floor(((ty + 1) * height) / GRID);
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const v = grey[y * width + x];
          n++;
          sum += v;
          sumSq += v * v;
        }
      }
      const mean = sum / Math.max(1, n);
      tiles.push({ mean, std: Math.sqrt(Math.max(0, sumSq / Math.max(1, n) - mean * mean)), border: tx === 0 || ty === 0 || tx === GRID - 1 || ty === GRID - 1 });
    }
  }
  return tiles;
}

function channelPlane(image: Image, c: number): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  for (let p = 0, i = c; p < out.length; p++, i += 3) out[p] = image.data[i]!;
  return out;
}

export function objectPresence(name: string, image: Image): ObjectPresence {
  const planes = [luminance(image), ...(image.channels === 3 ? [0, 1, 2].map((c) => channelPlane(image, c)) : [])];
  let maxZ = 0;
  for (const plane of planes) {
    const tiles = tileStats(plane, image.width, image.height);
    const border = tiles.filter((t) => t.border);
    const centre = tiles.filter((t) => !t.border);
    for (const key of ['mean', 'std'] as const) {
      const values = border.map((t) => t[key]);
      const m = median(values);
      const sigma = Math.max(MIN_SIGMA, MAD_TO_SIGMA * mad(values));
      for (const t of centre) maxZ = Math.max(maxZ, Math.abs(t[key] - m) / sigma);
    }
  }
  return { name, object: maxZ > OUTLIER_Z, maxZ };
}
