import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distanceMatrix, pathLength, similarityOrder, thumbnail } from '../../../lambdas/core/reel/frame-order.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';
import { barFrame } from '../report/synthetic-report.ts';

describe('frame ordering by similarity', () => {
  it('visits every frame once, from the first, neighbours in angle next to each other', () => {
    const angles = [0, 0.5, 0.1, 0.4, 0.2, 0.3];
    const order = similarityOrder(angles.map((a) => thumbnail(barFrame(48, a), 16)));
    assert.equal(order[0], 0);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(order.map((i) => angles[i]), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('recovers a shuffled smooth sequence: its path is as short as the sequence itself', () => {
    const rand = mulberry32(7);
    const angles = Array.from({ length: 60 }, (_, i) => i * 0.02);
    const shuffled = [angles[0], ...angles.slice(1).sort(() => rand() - 0.5)];
    const thumbs = shuffled.map((a) => thumbnail(barFrame(64, a)));
    const order = similarityOrder(thumbs);
    const d = distanceMatrix(thumbs);
    const natural = shuffled.map((_, i) => i);
    const sorted = [...natural].sort((a, b) => shuffled[a] - shuffled[b]);
    assert.deepEqual([...order].sort((a, b) => a - b), natural);
    assert.ok(pathLength(d, thumbs.length, order) <= pathLength(d, thumbs.length, sorted) * 1.0001);
    assert.ok(pathLength(d, thumbs.length, order) < pathLength(d, thumbs.length, natural) / 5);
  });

  it('keeps tiny inputs as they are and is deterministic', () => {
    assert.deepEqual(similarityOrder([]), []);
    assert.deepEqual(similarityOrder([new Float32Array(4), new Float32Array(4)]), [0, 1]);
    const thumbs = [0.3, 0.1, 0.2, 0.1, 0.3].map((a) => thumbnail(barFrame(32, a), 8));
    assert.deepEqual(similarityOrder(thumbs), similarityOrder(thumbs));
  });

  it('thumbnails average areas and read the first channel of colour images', () => {
    const img = { width: 4, height: 2, channels: 3 as const, data: new Uint8Array([10, 0, 0, 30, 0, 0, 50, 0, 0, 70, 0, 0, 10, 0, 0, 30, 0, 0, 50, 0, 0, 70, 0, 0]) };
    assert.deepEqual([...thumbnail(img, 2)], [20, 60, 20, 60]);
  });
});
