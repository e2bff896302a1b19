// Seed statistics as PROTOCOL.md asks for headline figures: the mean over seeds with the spread (min..max, sd).

export interface SeedStats {
  mean: number;
  min: number;
  max: number;
  /** sample standard deviation; 0 for one seed */
  sd: number;
  n: number;
  perSeed: { seed: number; value: number }[];
}

export function seedStats(values: { seed: number; value: number }[]): SeedStats {
  const xs = values.map((v) => v.value);
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, min: Math.min(...xs), max: Math.max(...xs), sd, n, perSeed: values };
}

/** "0.8123 (0.8010..0.8190)" for several seeds, "0.8123" for one. */
export function formatStats(s: SeedStats, digits = 4): string {
  return s.n > 1 ? `${s.mean.toFixed(digits)} (${s.min.toFixed(digits)}..${s.max.toFixed(digits)})` : s.mean.toFixed(digits);
}
