// The training-pose summary and the flag on exact generated poses (no images: the aligner's own error is
// covered by placements.test.ts): a tight class with known misplacements, a spread (screw-like) class, angle
// wrap-around, a part whose two ends are not told apart, and the fallback for manifests without a summary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeAffine, invertAffine, similarityFromParams } from '../../../lambdas/core/align/affine.ts';
import type { Manifest } from '../../../lambdas/core/manifest.ts';
import { poseModelOf } from '../../../lambdas/core/pose/model.ts';
import { objectGeometry, poseFromMatrix, poseReport, summarizePoses, testedComponents, type FramePoseInput } from '../../../lambdas/core/pose/summary.ts';
import { renderSyntheticObject, type SyntheticKind } from '../../../lambdas/core/synthetic/objects.ts';
import { maskPose } from '../../../lambdas/core/align/coarse-pose.ts';
import { momentsMatrix } from '../../../lambdas/core/pose/moments.ts';
import { wrappedDifference } from '../../../lambdas/core/pose/robust.ts';
import { placementMatrix, placementPoses, type PlacedPose, type PlacementSpread } from '../../../lambdas/core/synthetic/placements.ts';
import type { Affine, Mask } from '../../../lambdas/core/types.ts';

const SIZE = 192;

/** image -> reference matrices of a generated class, the first training shot as the reference. */
function poseClass(kind: SyntheticKind, spread: PlacementSpread, counts: { train: number; good: number; misplaced: number }, seed: number) {
  const shots = [...placementPoses({ kind, spread, size: SIZE, ...counts, seed })];
  const reference = shots[0];
  const refPose = placementMatrix(reference.truth, SIZE);
  const toReference = (s: PlacedPose): Affine => composeAffine(refPose, invertAffine(placementMatrix(s.truth, SIZE)));
  const mask: Mask = renderSyntheticObject({ kind, width: SIZE, height: SIZE, ...reference.truth, seed: 1 }).mask;
  const frames: FramePoseInput[] = shots.filter((s) => s.role === 'train').map((s) => ({ transform: toReference(s), alignment: { ok: true, score: 0.95 } }));
  return { shots, mask, frames, toReference, anchor: objectGeometry(mask)!.anchor };
}

function flaggedShare(kind: SyntheticKind, spread: PlacementSpread, seed: number) {
  const c = poseClass(kind, spread, { train: 60, good: 400, misplaced: 400 }, seed);
  const summary = summarizePoses(c.frames, c.mask);
  assert.ok(summary);
  const share = (role: string) => {
    const shots = c.shots.filter((s) => s.role === role);
    return shots.filter((s) => poseReport(summary, c.toReference(s)).flagged).length / shots.length;
  };
  return { summary, good: share('good'), misplaced: share('misplaced') };
}

describe('pose summary and flag (exact generated poses)', () => {
  for (const kind of ['asymmetric', 'screw'] as const) {
    it(`tight ${kind} class: >= 90% of misplaced shots flagged, <= 5% of good ones`, () => {
      for (const seed of [1, 2, 3]) {
        const r = flaggedShare(kind, 'tight', seed);
        assert.ok(r.misplaced >= 0.9, `seed ${seed}: ${(100 * r.misplaced).toFixed(1)}% of misplaced flagged`);
        assert.ok(r.good <= 0.05, `seed ${seed}: ${(100 * r.good).toFixed(1)}% of good flagged`);
        assert.equal(r.summary.angle.periodDeg, 360, 'a tight class shows no flipped parts');
      }
    });
  }

  it('spread (screw-like) class: flags stay rare for good and "misplaced" shots alike', () => {
    for (const seed of [1, 2, 3]) {
      const r = flaggedShare('screw', 'spread', seed);
      assert.ok(r.good <= 0.05, `seed ${seed}: ${(100 * r.good).toFixed(1)}% of good flagged`);
      assert.ok(r.misplaced <= 0.05, `seed ${seed}: ${(100 * r.misplaced).toFixed(1)}% of misplaced flagged`);
    }
  });

  it('records a threshold derived from the training poses: rank ceil((n+1)(1-alpha)) of the leave-one-out distances', () => {
    const small = flaggedShare('asymmetric', 'tight', 4).summary;
    assert.equal(small.threshold.rank, 60, 'below 1/alpha - 1 frames the rank is n (the maximum)');
    assert.ok(Math.abs(small.threshold.boundRate - 1 / 61) < 1e-12);
    const c = poseClass('asymmetric', 'tight', { train: 320, good: 0, misplaced: 0 }, 5);
    const big = summarizePoses(c.frames, c.mask)!;
    assert.equal(big.threshold.rank, Math.ceil(321 * 0.99));
    assert.ok(big.threshold.value > big.threshold.trainingMedian);
  });

  it('handles rotation as an angle: training poses around 180 degrees, a test pose across the wrap is near', () => {
    const c = poseClass('asymmetric', 'tight', { train: 40, good: 0, misplaced: 0 }, 6);
    // Turn every frame's pose by 180 deg about the reference object (so the training angles straddle +-180).
    const turn = similarityFromParams({ scale: 1, angleDeg: 180, tx: 0, ty: 0 });
    const turned = c.frames.map((f) => ({ ...f, transform: composeAffine(f.transform!, turn) }));
    const s = summarizePoses(turned, c.mask)!;
    assert.ok(Math.abs(Math.abs(s.components.angleDeg.centre) - 180) < 3, `centre ${s.components.angleDeg.centre}`);
    assert.ok(s.components.angleDeg.scale < 3, `spread ${s.components.angleDeg.scale} deg`);
    const near = poseReport(s, turned[1].transform!);
    assert.equal(near.flagged, false);
  });

  it('treats angles modulo 180 when good training parts appear turned end for end', () => {
    const c = poseClass('asymmetric', 'tight', { train: 40, good: 0, misplaced: 0 }, 7);
    const turn = similarityFromParams({ scale: 1, angleDeg: 180, tx: 0, ty: 0 });
    const about = (m: Affine) => {
      // 180 deg about the anchor: the part's ends swapped in place
      const s = summarizePoses(c.frames, c.mask)!;
      const [ax, ay] = s.anchor;
      const flip: Affine = composeAffine([1, 0, ax, 0, 1, ay], composeAffine(turn, [1, 0, -ax, 0, 1, -ay]));
      return composeAffine(flip, m);
    };
    const frames = c.frames.map((f, i) => (i % 3 === 1 ? { ...f, transform: about(f.transform!) } : f));
    const s = summarizePoses(frames, c.mask)!;
    assert.equal(s.angle.periodDeg, 180);
    assert.ok(s.angle.flippedFrames >= 10);
    assert.equal(poseReport(s, about(c.frames[0].transform!)).flagged, false, 'an end-for-end part is not a misplacement here');
    const one = summarizePoses(c.frames.map((f, i) => (i === 5 ? { ...f, transform: about(f.transform!) } : f)), c.mask)!;
    assert.equal(one.angle.periodDeg, 360, 'one turned training part is not evidence of symmetry');
    assert.ok(poseReport(one, about(c.frames[0].transform!)).z.angleDeg! > 50, 'a turned test part is far in angle');
    const clean = summarizePoses(c.frames, c.mask)!;
    const turnedTest = poseReport(clean, about(c.frames[0].transform!));
    assert.equal(turnedTest.flagged, true, 'and flagged against clean training poses');
    assert.equal(turnedTest.main, 'angleDeg');
    assert.ok(Math.abs(Math.abs(turnedTest.turnDeg) - 180) < 5, `turn ${turnedTest.turnDeg}`);
  });

  it('leaves out frames that were not aligned, and needs two posed frames', () => {
    const c = poseClass('asymmetric', 'tight', { train: 10, good: 0, misplaced: 0 }, 8);
    const frames = [...c.frames, { transform: null, alignment: null }, { transform: c.frames[0].transform, alignment: { ok: false, score: 0.2 } }];
    const s = summarizePoses(frames, c.mask)!;
    assert.equal(s.frames, 10);
    assert.equal(s.excluded, 2);
    assert.deepEqual(s, { ...summarizePoses(c.frames, c.mask)!, excluded: 2 });
    assert.equal(summarizePoses(c.frames.slice(0, 1), c.mask), null);
  });

  it('a manifest without a pose summary gets one derived from its frames, identical to what compress records', () => {
    const c = poseClass('asymmetric', 'tight', { train: 30, good: 0, misplaced: 0 }, 9);
    const recorded = summarizePoses(c.frames, c.mask)!;
    const old = { frames: c.frames, alignment: { enabled: true } } as unknown as Manifest;
    const derived = poseModelOf(old, c.mask);
    assert.equal(derived.source, 'frames');
    assert.deepEqual(derived.summary, recorded);
    assert.equal(poseModelOf({ ...old, pose: recorded } as Manifest, c.mask).source, 'manifest');
  });

  it('translation model (summaries written before the moments): the position only is tested, rotation and scale are not', () => {
    const c = poseClass('asymmetric', 'tight', { train: 60, good: 200, misplaced: 200 }, 10);
    // what a translation-mode dataset records: the centroid shift of each frame, no rotation or scale
    const shiftOnly = (m: Affine): Affine => {
      const { x, y } = poseFromMatrix(m, c.anchor);
      return [1, 0, c.anchor[0] - x, 0, 1, c.anchor[1] - y];
    };
    const frames = c.frames.map((f) => ({ ...f, transform: shiftOnly(f.transform!) }));
    const s = summarizePoses(frames, c.mask, { model: 'translation' })!;
    assert.equal(s.model, 'translation');
    assert.deepEqual(testedComponents(s), ['x', 'y']);
    const shifted = c.shots.filter((x) => x.role === 'misplaced' && x.misplacement!.shiftPct > 0);
    const good = c.shots.filter((x) => x.role === 'good');
    const flagged = (shots: PlacedPose[]) => shots.filter((x) => poseReport(s, shiftOnly(c.toReference(x))).flagged).length / shots.length;
    assert.ok(flagged(shifted) >= 0.9, `${(100 * flagged(shifted)).toFixed(1)}% of shifted flagged`);
    assert.ok(flagged(good) <= 0.05, `${(100 * flagged(good)).toFixed(1)}% of good flagged`);
    // a matrix with a rotation in it: the rotation is not a component of this model (z null, never the main one)
    const turned = poseReport(s, composeAffine(frames[1].transform!, similarityFromParams({ scale: 1.1, angleDeg: 30, tx: 0, ty: 0 })));
    assert.equal(turned.z.angleDeg, null);
    assert.equal(turned.z.logScale, null);
    assert.ok(turned.main === 'x' || turned.main === 'y');
  });

  it('a translation-mode manifest whose summary predates the model field is read as translation; no mask, no pose', () => {
    const c = poseClass('asymmetric', 'tight', { train: 20, good: 0, misplaced: 0 }, 11);
    const { model: _m, ...older } = summarizePoses(c.frames, c.mask)!;
    const m = { frames: c.frames, alignment: { enabled: true }, decisions: { alignment: { mode: 'translation' } }, pose: older } as unknown as Manifest;
    assert.equal(poseModelOf(m, c.mask).summary?.model, 'translation');
    const none = poseModelOf(m, null);
    assert.equal(none.source, 'none');
    assert.match(none.reason!, /no object mask/);
    const unaligned = { ...m, alignment: { enabled: false }, decisions: { alignment: { mode: 'none' } }, pose: undefined } as unknown as Manifest;
    assert.match(poseModelOf(unaligned, c.mask).reason!, /not aligned \(alignment: none\)/);
  });

  it('moments pose: centroid, axis (modulo 180) and area of a mask give the shift, turn and scale against the reference', () => {
    const render = (angleDeg: number, scale: number, tx: number, ty: number) =>
      maskPose(renderSyntheticObject({ kind: 'screw', width: SIZE, height: SIZE, angleDeg, scale, tx, ty, seed: 1 }).mask);
    const ref = render(30, 1, 0, 0);
    const anchor = ref.centroid;
    for (const [angleDeg, scale, tx, ty] of [[30, 1, 0, 0], [42, 1, 5, -3], [18, 1.05, -4, 2], [30 + 180, 0.95, 0, 0]]) {
      const image = render(angleDeg, scale, tx, ty);
      const m = momentsMatrix(ref, image)!;
      const p = poseFromMatrix(m, anchor);
      const turn = wrappedDifference(180)(p.angleDeg, 0);
      assert.ok(Math.abs(turn - wrappedDifference(180)(angleDeg - 30, 0)) < 0.5, `turn ${turn} for ${angleDeg}`);
      assert.ok(Math.abs(p.scale - scale) < 0.01, `scale ${p.scale} for ${scale}`);
      assert.ok(Math.hypot(p.x - image.centroid[0], p.y - image.centroid[1]) < 1e-6, "the position is the object's centroid");
    }
    assert.equal(momentsMatrix(ref, { ...ref, area: 0 }), null);
  });
});
