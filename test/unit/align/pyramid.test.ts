import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskPose, weightedPose } from '../../../lambdas/core/align/coarse-pose.ts';
import { buildPyramid, LEVEL_SIDES, levelSizes } from '../../../lambdas/core/align/pyramid.ts';
import { renderSyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';

const sides = (w: number, h: number) => levelSizes(w, h).map((s) => Math.max(s.width, s.height));

describe('levelSizes', () => {
  it('works a 1024 px frame and larger at LEVEL_SIDES, a smaller one in proportion to its own size, finest at most full size', () => {
    assert.deepEqual(sides(1024, 1024), [...LEVEL_SIDES]);
    assert.deepEqual(sides(2048, 1536), [...LEVEL_SIDES]);
    assert.deepEqual(sides(384, 384), [64, 128, 384]);
    assert.deepEqual(sides(800, 600), [128, 256, 512]);
    assert.deepEqual(sides(600, 480), [100, 200, 512]);
    assert.deepEqual(sides(200, 100), [64, 67, 200]);
    // aspect ratio kept
    const [coarse] = levelSizes(800, 400);
    assert.equal(coarse.width / coarse.height, 2);
  });

  it('builds those levels; each is the area average of the finer one (the mask keeps its area)', async () => {
    const shot = renderSyntheticObject({ kind: 'screw', width: 384, height: 384, angleDeg: 30, scale: 1, tx: 0, ty: 0, seed: 3 });
    const levels = await buildPyramid(shot.image, shot.mask, true);
    assert.deepEqual(levels.map((l) => l.width), [64, 128, 384]);
    const area = (l: (typeof levels)[number]) => l.mask.data.reduce((s, v) => s + v, 0) / (l.fx * l.fy);
    for (const l of levels) assert.ok(Math.abs(area(l) / area(levels[2]) - 1) < 0.01, `level ${l.width}: area ${area(l)} vs ${area(levels[2])}`);
  });
});

describe('maskPose', () => {
  it('equals the weighted moments of the 0 / 1 mask', () => {
    const shot = renderSyntheticObject({ kind: 'asymmetric', width: 300, height: 200, angleDeg: 50, scale: 1, tx: 10, ty: -5, seed: 4 });
    const fast = maskPose(shot.mask);
    const slow = weightedPose(300, 200, Uint8Array.from(shot.mask.data, (v) => (v ? 1 : 0)));
    assert.equal(fast.area, slow.area);
    for (const [a, b] of [[fast.centroid[0], slow.centroid[0]], [fast.centroid[1], slow.centroid[1]], [fast.axisDeg, slow.axisDeg], [fast.elongation, slow.elongation]]) {
      assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
    }
  });
});
