// Separable Gaussian smoothing matching scipy.ndimage.gaussian_filter (which PaDiM uses): kernel radius
// round(truncate * sigma) with truncate = 4, weights normalised to sum 1, boundary mode 'reflect'
// (half-sample symmetric: ... c b a | a b c ...).

export const DEFAULT_TRUNCATE = 4;

/** Normalised 1-D Gaussian weights for offsets -radius..radius. */
export function gaussianKernel1d(sigma: number, truncate = DEFAULT_TRUNCATE): Float64Array {
  if (!(sigma > 0)) throw new RangeError(`Gaussian sigma must be > 0, got ${sigma}`);
  const radius = Math.floor(truncate * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const weight = Math.exp((-0.5 * k * k) / (sigma * sigma));
    weights[k + radius] = weight;
    total += weight;
  }
  for (let i = 0; i < weights.length; i++) weights[i] /= total;
  return weights;
}

/** Index into 0..size-1 under scipy's 'reflect' mode, for any integer (also beyond one period). */
export function reflectIndex(index: number, size: number): number {
  const period = 2 * size;
  let folded = index % period;
  if (folded < 0) folded += period;
  return folded < size ? folded : period - 1 - folded;
}

/** Gaussian-smoothed copy of a row-major width x height single-channel map. */
export function gaussianFilter2d(map: ArrayLike<number>, width: number, height: number, sigma: number): Float64Array {
  if (map.length !== width * height) throw new RangeError(`map has ${map.length} values, expected ${width}x${height}`);
  const weights = gaussianKernel1d(sigma);
  const radius = (weights.length - 1) / 2;
  const horizontal = new Float64Array(width * height);
  const columnOf = Int32Array.from({ length: width + 2 * radius }, (_, i) => reflectIndex(i - radius, width));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let value = 0;
      for (let k = 0; k < weights.length; k++) value += weights[k] * map[row + columnOf[x + k]];
      horizontal[row + x] = value;
    }
  }
  const smoothed = new Float64Array(width * height);
  const rowOf = Int32Array.from({ length: height + 2 * radius }, (_, i) => reflectIndex(i - radius, height));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let value = 0;
      for (let k = 0; k < weights.length; k++) value += weights[k] * horizontal[rowOf[y + k] * width + x];
      smoothed[y * width + x] = value;
    }
  }
  return smoothed;
}
