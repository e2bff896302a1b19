import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmbeddingBatch } from '../../../lambdas/eval/embedding.ts';
import { COVARIANCE_REGULARISATION, GaussianAccumulator } from '../../../lambdas/eval/padim.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';

const POSITIONS = 3;
const DIMS = 4;

/** vectors[image][position] -> batch layout [(p * batch + b) * dims + d]. */
function toBatch(vectors: number[][][]): EmbeddingBatch {
  const batchSize = vectors.length;
  const data = new Float64Array(POSITIONS * batchSize * DIMS);
  vectors.forEach((image, b) => image.forEach((vector, p) => data.set(vector, (p * batchSize + b) * DIMS)));
  return { batchSize, positions: POSITIONS, gridWidth: POSITIONS, gridHeight: 1, dims: DIMS, data };
}

/** Correlated Gaussian-ish training vectors with a large offset (to exercise the shifted sums). */
function syntheticImages(count: number, seed: number): number[][][] {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, () =>
    Array.from({ length: POSITIONS }, (_, p) => {
      const z = Array.from({ length: DIMS }, normal);
      return [1000 + p + z[0], 2 * z[1] + z[0], 0.5 * z[2] - z[1], 3 * z[3] + 0.2 * z[2]];
    }),
  );
}

function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const augmented = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(augmented[r][col]) > Math.abs(augmented[pivot][col])) pivot = r;
    [augmented[col], augmented[pivot]] = [augmented[pivot], augmented[col]];
    const scale = augmented[col][col];
    for (let j = 0; j < 2 * n; j++) augmented[col][j] /= scale;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = augmented[r][col];
      for (let j = 0; j < 2 * n; j++) augmented[r][j] -= factor * augmented[col][j];
    }
  }
  return augmented.map((row) => row.slice(n));
}

/** Mahalanobis distance by the textbook formula: unbiased covariance + eps I, explicit inverse. */
function directMahalanobis(train: number[][], sample: number[]): number {
  const n = train.length;
  const mean = Array.from({ length: DIMS }, (_, i) => train.reduce((sum, x) => sum + x[i], 0) / n);
  const covariance = Array.from({ length: DIMS }, (_, i) =>
    Array.from(
      { length: DIMS },
      (_, j) =>
        train.reduce((sum, x) => sum + (x[i] - mean[i]) * (x[j] - mean[j]), 0) / (n - 1) +
        (i === j ? COVARIANCE_REGULARISATION : 0),
    ),
  );
  const inverse = invert(covariance);
  const difference = sample.map((value, i) => value - mean[i]);
  let squared = 0;
  for (let i = 0; i < DIMS; i++) for (let j = 0; j < DIMS; j++) squared += difference[i] * inverse[i][j] * difference[j];
  return Math.sqrt(squared);
}

describe('GaussianAccumulator + PadimModel', () => {
  const train = syntheticImages(30, 7);
  const test = syntheticImages(5, 8);

  function fitInBatches(sizes: number[]) {
    const accumulator = new GaussianAccumulator(POSITIONS, DIMS);
    let start = 0;
    for (const size of sizes) {
      accumulator.add(toBatch(train.slice(start, start + size)));
      start += size;
    }
    assert.equal(accumulator.imageCount, train.length);
    return accumulator.fit();
  }

  it('gives the direct mean and Mahalanobis distance at every position', () => {
    const model = fitInBatches([8, 8, 8, 6]);
    const distances = model.distances(toBatch(test));
    for (let p = 0; p < POSITIONS; p++) {
      const column = train.map((image) => image[p]);
      for (let i = 0; i < DIMS; i++) {
        const mean = column.reduce((sum, x) => sum + x[i], 0) / column.length;
        assert.ok(Math.abs(model.mean[p * DIMS + i] - mean) < 1e-9);
      }
      test.forEach((image, b) => {
        const expected = directMahalanobis(column, image[p]);
        assert.ok(Math.abs(distances[b][p] - expected) < 1e-8 * expected, `image ${b} position ${p}: ${distances[b][p]} vs ${expected}`);
      });
    }
  });

  it('does not depend on how the training images are batched', () => {
    const a = fitInBatches([30]).distances(toBatch(test));
    const b = fitInBatches([1, 29]).distances(toBatch(test));
    a.forEach((map, i) => map.forEach((value, p) => assert.ok(Math.abs(value - b[i][p]) < 1e-9)));
  });

  it('scores an anomalous feature far above normal ones', () => {
    const model = fitInBatches([30]);
    const anomalous = test[0].map((vector, p) => (p === 1 ? vector.map((value, i) => value + (i === 2 ? 8 : 0)) : vector));
    const [normalMap, anomalousMap] = model.distances(toBatch([test[0], anomalous]));
    assert.ok(anomalousMap[1] > 3 * normalMap[1], `${anomalousMap[1]} vs ${normalMap[1]}`);
    assert.equal(anomalousMap[0], normalMap[0]);
  });

  it('refuses fewer than two images, a second fit, and mismatched shapes', () => {
    const single = new GaussianAccumulator(POSITIONS, DIMS);
    single.add(toBatch(train.slice(0, 1)));
    assert.throws(() => single.fit(), RangeError);
    const accumulator = new GaussianAccumulator(POSITIONS, DIMS);
    accumulator.add(toBatch(train));
    const model = accumulator.fit();
    assert.throws(() => accumulator.fit());
    assert.throws(() => accumulator.add(toBatch(train)));
    assert.throws(() => new GaussianAccumulator(POSITIONS + 1, DIMS).add(toBatch(train)), RangeError);
    assert.throws(() => model.distances({ ...toBatch(test), dims: DIMS + 1 }), RangeError);
  });
});
