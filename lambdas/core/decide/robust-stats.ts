// Robust statistics of a dataset's own figures: median, MAD, and a one-sided outlier test against the others.
// The decisions (segmenter, alignment mode, misalignment) compare each image with the rest of its dataset instead
// of with constants measured on one class.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation from the median (unscaled). */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** MAD x 1.4826 estimates the standard deviation of normal data. */
export const MAD_TO_SIGMA = 1.4826;
/** Iglewicz and Hoaglin's modified z-score cut: |z| > 3.5 is an outlier. */
export const OUTLIER_Z = 3.5;

export interface LowOutlierGate {
  median: number;
  /** robust sigma (MAD x 1.4826) */
  sigma: number;
  /** the gate: values below it are outliers */
  threshold: number;
  /** how far below the median a value must be, at least (the floor used when the spread is tiny) */
  minDeviation: number;
  sampleSize: number;
}

/**
 * The gate below which a value is a low outlier of `values`: median - max(3.5 robust sigma, minDeviation).
 * `minDeviation` keeps a dataset whose figures are all nearly equal from flagging differences nobody could see.
 */
export function lowOutlierGate(values: readonly number[], minDeviation: number): LowOutlierGate {
  const m = median(values);
  const sigma = MAD_TO_SIGMA * mad(values);
  return { median: m, sigma, threshold: m - Math.max(OUTLIER_Z * sigma, minDeviation), minDeviation, sampleSize: values.length };
}

/** Up to `count` items spread evenly over `items`, first one included. */
export function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}
