// Deterministic channel subset for PaDiM: a seeded mulberry32 stream drives a Fisher-Yates shuffle, so the same
// seed picks the same channels on every machine and Node version (no Math.random, no platform RNG).

import { mulberry32 } from '../ground/prng.ts';

/**
 * `count` distinct channel indices out of `0 .. total-1`, sorted ascending.
 * Algorithm: mulberry32(seed); Fisher-Yates shuffle of [0..total-1] walking i from total-1 down to 1 and swapping
 * i with j = floor(random() * (i + 1)); the first `count` entries of the shuffled array are kept, then sorted
 * (the order of channels does not change a Mahalanobis distance; sorted makes reads sequential).
 */
export function sampleChannelSubset(seed: number, total: number, count: number): Int32Array {
  if (!Number.isInteger(seed)) throw new RangeError(`channel-subset seed must be an integer, got ${seed}`);
  if (!Number.isInteger(total) || !Number.isInteger(count) || count < 1 || count > total) {
    throw new RangeError(`cannot draw ${count} distinct channels out of ${total}`);
  }
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: total }, (_, i) => i);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order.slice(0, count).sort();
}
