// From a grid of Mahalanobis distances to the protocol's anomaly map: bilinear upsampling to the 224x224 crop
// (as torch's F.interpolate(mode='bilinear', align_corners=False)), then a Gaussian of sigma 4.
import { gaussianFilter2d } from './gaussian.ts';

export const SCORE_MAP_SIGMA = 4;

/** Bilinear resize with align_corners=False semantics (pixel centres at +0.5, source coordinates clamped at 0). */
export function upsampleBilinear(
  source: ArrayLike<number>,
  sourceWidth: number,
  sourceHeight: number,
  targetWidth: number,
  targetHeight: number,
): Float64Array {
  const axis = (target: number, sourceSize: number, targetSize: number) => {
    const position = Math.max(0, ((target + 0.5) * sourceSize) / targetSize - 0.5);
    const low = Math.min(Math.floor(position), sourceSize - 1);
    const high = Math.min(low + 1, sourceSize - 1);
    return { low, high, fraction: position - low };
  };
  const columns = Array.from({ length: targetWidth }, (_, x) => axis(x, sourceWidth, targetWidth));
  const result = new Float64Array(targetWidth * targetHeight);
  for (let y = 0; y < targetHeight; y++) {
    const row = axis(y, sourceHeight, targetHeight);
    const top = row.low * sourceWidth;
    const bottom = row.high * sourceWidth;
    for (let x = 0; x < targetWidth; x++) {
      const { low, high, fraction } = columns[x];
      const upper = source[top + low] * (1 - fraction) + source[top + high] * fraction;
      const lower = source[bottom + low] * (1 - fraction) + source[bottom + high] * fraction;
      result[y * targetWidth + x] = upper * (1 - row.fraction) + lower * row.fraction;
    }
  }
  return result;
}

/** Smoothed size x size anomaly map of one image from its gridWidth x gridHeight distances. */
export function anomalyMap(
  distances: ArrayLike<number>,
  gridWidth: number,
  gridHeight: number,
  size: number,
  sigma = SCORE_MAP_SIGMA,
): Float64Array {
  return gaussianFilter2d(upsampleBilinear(distances, gridWidth, gridHeight, size, size), size, size, sigma);
}

export function maximum(values: ArrayLike<number>): number {
  let largest = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > largest) largest = values[i];
  return largest;
}
