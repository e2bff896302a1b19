// One seeded PRNG for everything that must draw the same numbers on every machine and Node version
// (synthetic data, RANSAC sampling, PaDiM's channel subset): no Math.random.

/**
 * mulberry32: a 32-bit state PRNG (Tommy Ettinger's public-domain construction). Returns a function giving
 * uniform floats in [0, 1). The seed is reduced to an unsigned 32-bit integer.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
