// The pose check through the product (compress records the training poses, transform reports and flags each
// test image) on small generated classes with known misplacements, one per alignment mode the data decide
// (similarity, translation, none). Real aligner, real FFmpeg; nothing mocked.
// The rates on large samples are asserted on exact poses in summary.test.ts and printed by bench/pose-flag.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlacementClass } from '../../../bench/lib/pose-placements.ts';

describe('pose flag on generated classes (compress -> transform)', () => {
  it('tight class: the misplaced parts are flagged, the good ones rarely', async () => {
    const r = await runPlacementClass({ kind: 'asymmetric', spread: 'tight', size: 160, train: 24, good: 10, misplaced: 10, seed: 2 });
    assert.equal(r.mode, 'similarity');
    assert.ok(r.summary, 'compress recorded the training poses');
    assert.equal(r.summary.model, 'similarity');
    assert.equal(r.summary.frames, 24);
    assert.equal(r.good.images, 10);
    assert.ok(r.misplaced.share >= 0.9, `${r.misplaced.flagged}/${r.misplaced.images} misplaced flagged; missed ${JSON.stringify(r.missed)}`);
    assert.ok(r.good.flagged <= 1, `${r.good.flagged}/${r.good.images} good flagged`);
  });

  it('spread (screw-like) class: flags stay rare', async () => {
    const r = await runPlacementClass({ kind: 'screw', spread: 'spread', size: 160, train: 40, good: 10, misplaced: 10, seed: 3 });
    assert.ok(r.summary);
    assert.ok(r.summary.components.angleDeg.scale > 20, `angle spread ${r.summary.components.angleDeg.scale} deg`);
    assert.ok(r.good.flagged + r.misplaced.flagged <= 2, `${r.good.flagged}/${r.good.images} good, ${r.misplaced.flagged}/${r.misplaced.images} "misplaced" flagged`);
  });

  // Translation mode measures poses from the object mask's moments (centroid, axis, area): a round part's turn is
  // invisible, so its misplacements here are shifts. None mode measures them with the aligner, moving nothing.
  it('translation mode (a round part in a nearly fixed place): the shifted parts are flagged', async () => {
    const r = await runPlacementClass({ kind: 'disc', spread: 'tight', shiftJitter: 0.01, turns: false, size: 160, train: 30, good: 12, misplaced: 12, seed: 22 });
    assert.equal(r.mode, 'translation', 'the data decide translation for this class');
    assert.ok(r.summary, r.reason);
    assert.equal(r.summary.model, 'moments');
    assert.equal(r.summary.angle.periodDeg, 180, 'a mask axis has no direction');
    assert.ok(r.misplaced.share >= 0.9, `${r.misplaced.flagged}/${r.misplaced.images} misplaced flagged; missed ${JSON.stringify(r.missed)}`);
    assert.ok(r.good.flagged <= 1, `${r.good.flagged}/${r.good.images} good flagged`);
    assert.ok(r.entries.every((e) => e.pose && e.pose.z.angleDeg !== null && e.pose.z.logScale !== null), 'every component tested');
  });

  it('none mode (an already registered screw): images stay unmoved, a shifted or turned part is still flagged', async () => {
    const r = await runPlacementClass({ kind: 'screw', spread: 'fixed', size: 160, train: 30, good: 12, misplaced: 12, seed: 21 });
    assert.equal(r.mode, 'none', 'the data decide that the class is registered');
    assert.ok(r.summary, r.reason);
    assert.equal(r.summary.model, 'similarity');
    assert.ok(r.misplaced.share >= 0.9, `${r.misplaced.flagged}/${r.misplaced.images} misplaced flagged; missed ${JSON.stringify(r.missed)}`);
    assert.ok(r.good.flagged <= 1, `${r.good.flagged}/${r.good.images} good flagged`);
    assert.ok(r.entries.every((e) => e.matrix === null && e.pose !== null), 'not moved, but posed');
  });
});
