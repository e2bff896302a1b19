// Robust location and spread of one pose component, and its exact leave-one-out version in O(n log n).
// Spread = 1.4826 * MAD (the normal-consistent scale), never below a floor set by the measurement's resolution.

/** MAD -> standard deviation for normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  return medianOfSorted(s);
}

function medianOfSorted(s: Float64Array): number {
  const n = s.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median of sorted `s` with the element at sorted position `skip` left out. */
function medianWithout(s: Float64Array, skip: number): number {
  const m = s.length - 1;
  if (m <= 0) return NaN;
  const at = (k: number) => (k < skip ? s[k] : s[k + 1]);
  const h = m >> 1;
  return m % 2 === 1 ? at(h) : (at(h - 1) + at(h)) / 2;
}

/** A difference as the component measures it: plain, or wrapped into (-period/2, period/2] for an angle. */
export type Difference = (a: number, b: number) => number;
export const linearDifference: Difference = (a, b) => a - b;
export function wrappedDifference(period: number): Difference {
  return (a, b) => {
    let d = (a - b) % period;
    if (d > period / 2) d -= period;
    else if (d <= -period / 2) d += period;
    return d;
  };
}

export interface RobustStats {
  centre: number;
  mad: number;
  /** max(MAD_TO_SIGMA * mad, floor) */
  scale: number;
}

export function robustStats(values: ArrayLike<number>, floor: number, diff: Difference = linearDifference): RobustStats {
  const centre = median(values);
  const deviations = Float64Array.from(values, (v) => Math.abs(diff(v, centre)));
  const mad = median(deviations);
  return { centre, mad, scale: Math.max(MAD_TO_SIGMA * mad, floor) };
}

/**
 * For every i, |values[i] - centre_{-i}| / scale_{-i}, where centre and scale are those of the other n - 1
 * values. Leaving one value out moves the median to one of at most three values, so the deviations are sorted
 * once per distinct centre and each left-out MAD is read off in O(1).
 */
export function leaveOneOutZ(values: ArrayLike<number>, floor: number, diff: Difference = linearDifference): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n < 2) return out.fill(NaN);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const sorted = Float64Array.from(order, (i) => values[i]);
  const rank = new Int32Array(n);
  order.forEach((i, r) => (rank[i] = r));
  const centres = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = medianWithout(sorted, rank[i]);
    const group = centres.get(c);
    if (group) group.push(i);
    else centres.set(c, [i]);
  }
  for (const [c, members] of centres) {
    const dev = Float64Array.from({ length: n }, (_, j) => Math.abs(diff(values[j], c)));
    const dOrder = Array.from({ length: n }, (_, j) => j).sort((a, b) => dev[a] - dev[b]);
    const dSorted = Float64Array.from(dOrder, (j) => dev[j]);
    const dRank = new Int32Array(n);
    dOrder.forEach((j, r) => (dRank[j] = r));
    for (const i of members) {
      const scale = Math.max(MAD_TO_SIGMA * medianWithout(dSorted, dRank[i]), floor);
      out[i] = dev[i] / scale;
    }
  }
  return out;
}
