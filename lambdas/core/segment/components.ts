// Connected-component helpers on binary masks (OpenCV): the cleanup after a model's threshold, and the component
// statistics the auto test reads.
import { loadCv, type CV } from '../cv.ts';
import type { Mask } from '../types.ts';

// connectedComponentsWithStats' stats row: left, top, width, height, area.
export const STAT_COLUMNS = 5;
const LEFT = 0;
const TOP = 1;
const WIDTH = 2;
const HEIGHT = 3;
export const AREA = 4;

export interface Labelled {
  /** number of labels, background (label 0) included */
  count: number;
  labels: Int32Array;
  stats: Int32Array;
}

/** Labels the non-zero pixels of `binary` (w x h, one byte per pixel); copies the results out of OpenCV. */
export function labelComponents(cv: CV, binary: Uint8Array, width: number, height: number, connectivity: 4 | 8): Labelled {
  const src = new cv.Mat(height, width, cv.CV_8UC1);
  const labels = new cv.Mat();
  const stats = new cv.Mat();
  const centroids = new cv.Mat();
  try {
    src.data.set(binary);
    const count: number = cv.connectedComponentsWithStats(src, labels, stats, centroids, connectivity, cv.CV_32S);
    return { count, labels: Int32Array.from(labels.data32S), stats: Int32Array.from(stats.data32S) };
  } finally {
    src.delete();
    labels.delete();
    stats.delete();
    centroids.delete();
  }
}

/** Areas of the 8-connected object components, largest first. */
export async function componentAreas(mask: Mask): Promise<number[]> {
  const cv = await loadCv();
  const { count, stats } = labelComponents(cv, mask.data, mask.width, mask.height, 8);
  const areas: number[] = [];
  for (let i = 1; i < count; i++) areas.push(stats[i * STAT_COLUMNS + AREA]!);
  return areas.sort((a, b) => b - a);
}

/**
 * Keeps the largest 8-connected object component and fills its holes (background regions, 4-connected, that do
 * not reach the image border). Returns an empty mask when there is no object pixel.
 */
export async function largestComponentFilled(mask: Mask): Promise<Mask> {
  const cv = await loadCv();
  const { width, height } = mask;
  const out = new Uint8Array(width * height);
  const objects = labelComponents(cv, mask.data, width, height, 8);
  let largest = 0;
  for (let i = 1; i < objects.count; i++) {
    if (largest === 0 || objects.stats[i * STAT_COLUMNS + AREA]! > objects.stats[largest * STAT_COLUMNS + AREA]!) largest = i;
  }
  if (largest === 0) return { width, height, data: out };
  for (let p = 0; p < out.length; p++) if (objects.labels[p] === largest) out[p] = 255;

  const background = new Uint8Array(out.length);
  for (let p = 0; p < out.length; p++) background[p] = out[p] === 0 ? 255 : 0;
  const regions = labelComponents(cv, background, width, height, 4);
  const isHole = new Uint8Array(regions.count);
  for (let i = 1; i < regions.count; i++) {
    const row = i * STAT_COLUMNS;
    const left = regions.stats[row + LEFT]!;
    const top = regions.stats[row + TOP]!;
    const touchesBorder =
      left === 0 || top === 0 || left + regions.stats[row + WIDTH]! === width || top + regions.stats[row + HEIGHT]! === height;
    isHole[i] = touchesBorder ? 0 : 1;
  }
  for (let p = 0; p < out.length; p++) if (isHole[regions.labels[p]!]) out[p] = 255;
  return { width, height, data: out };
}
