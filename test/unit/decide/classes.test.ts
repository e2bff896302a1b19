// The decisions on the generated classes that stress each of them (lambdas/core/synthetic/classes.ts), and the
// pose error in pixels of the alignment each decision leads to (the generator knows every object's true pose).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { applyAffine, composeAffine, estimateAlignment, invertAffine, prepareReference, disposeReference } from '../../../lambdas/core/align/index.ts';
import { estimateTranslation } from '../../../lambdas/core/align/translation.ts';
import { decideDataset, type DatasetDecision } from '../../../lambdas/core/decide/index.ts';
import { generateSyntheticClass, type SyntheticClass, type SyntheticClassItem } from '../../../lambdas/core/synthetic/classes.ts';
import type { Affine } from '../../../lambdas/core/types.ts';

const SIZE = 224;
const COUNT = 8;

async function generate(cls: SyntheticClass): Promise<SyntheticClassItem[]> {
  const items: SyntheticClassItem[] = [];
  for await (const item of generateSyntheticClass(cls, { count: COUNT, size: SIZE, seed: 4 })) items.push(item);
  return items;
}

async function decide(items: SyntheticClassItem[]): Promise<DatasetDecision> {
  const [reference, ...others] = items;
  return decideDataset(reference, others, { segmenter: 'auto', align: true, mask: true });
}

/** Largest error, in pixels, over the object's canonical box corners (scaled to the object), of `estimated` vs the truth. */
function poseErrorPx(estimated: Affine, refPose: Affine, pose: Affine, half = 0.22 * SIZE): number {
  const truth = composeAffine(refPose, invertAffine(pose));
  let worst = 0;
  for (const corner of [[-half, -half], [half, -half], [half, half], [-half, half]] as [number, number][]) {
    const p = applyAffine(pose, corner);
    const [ex, ey] = applyAffine(estimated, p);
    const [tx, ty] = applyAffine(truth, p);
    worst = Math.max(worst, Math.hypot(ex - tx, ey - ty));
  }
  return worst;
}

/** Distance, in pixels, between where `estimated` and the truth send the object's centre. */
function centreErrorPx(estimated: Affine, refPose: Affine, pose: Affine): number {
  const centre = applyAffine(pose, [0, 0]);
  const [ex, ey] = applyAffine(estimated, centre);
  const [tx, ty] = applyAffine(refPose, [0, 0]);
  return Math.hypot(ex - tx, ey - ty);
}

/** Pose errors of the full (similarity) aligner with the decided segmenter, against the reference item[0]. */
async function similarityPoseErrors(items: SyntheticClassItem[], d: DatasetDecision): Promise<number[]> {
  const ref = await prepareReference(items[0].image, d.referenceMask!);
  const errors: number[] = [];
  try {
    for (const it of items.slice(1)) {
      const mask = await d.chosen!.segmenter.segment(it.image, it.name);
      errors.push(poseErrorPx((await estimateAlignment(ref, it.image, mask, { name: it.name })).matrix, items[0].pose!, it.pose!));
    }
  } finally {
    disposeReference(ref);
    await d.chosen?.segmenter.dispose?.();
  }
  return errors;
}

describe('decisions on generated classes', () => {
  before(() => {
    delete process.env.ADREEL_SEGMENT_MODEL;
  });

  it('already registered: threshold segmenter; no alignment, or a near-identity one: every pose within 1 px of the truth', async () => {
    const items = await generate('registered');
    const d = await decide(items);
    assert.equal(d.decisions.segmenter.kind, 'threshold');
    const errors: number[] = [];
    const ref = await prepareReference(items[0].image, d.referenceMask!);
    try {
      for (const it of items.slice(1)) {
        const mask = await d.chosen!.segmenter.segment(it.image, it.name);
        const m: Affine =
          d.decisions.alignment.mode === 'none'
            ? [1, 0, 0, 0, 1, 0]
            : d.decisions.alignment.mode === 'translation'
              ? (await estimateTranslation(d.referenceMask!, mask))!.matrix
              : (await estimateAlignment(ref, it.image, mask, { name: it.name })).matrix;
        errors.push(poseErrorPx(m, items[0].pose!, it.pose!));
      }
    } finally {
      disposeReference(ref);
      await d.chosen?.segmenter.dispose?.();
    }
    assert.ok(Math.max(...errors) < 1, `${d.decisions.alignment.mode}: pose errors ${errors.map((e) => e.toFixed(2))} (${d.decisions.alignment.reason})`);
  });

  it('rotation-symmetric: the object is centred to within 1 px whatever rotation the decision keeps', async () => {
    const items = await generate('rotation-symmetric');
    const d = await decide(items);
    assert.equal(d.decisions.segmenter.kind, 'threshold');
    assert.notEqual(d.decisions.alignment.mode, 'none', d.decisions.alignment.reason);
    const errors: number[] = [];
    const ref = await prepareReference(items[0].image, d.referenceMask!);
    try {
      for (const it of items.slice(1)) {
        const mask = await d.chosen!.segmenter.segment(it.image, it.name);
        const m =
          d.decisions.alignment.mode === 'translation'
            ? (await estimateTranslation(d.referenceMask!, mask))!.matrix
            : (await estimateAlignment(ref, it.image, mask, { name: it.name })).matrix;
        errors.push(centreErrorPx(m, items[0].pose!, it.pose!));
      }
    } finally {
      disposeReference(ref);
      await d.chosen?.segmenter.dispose?.();
    }
    assert.ok(Math.max(...errors) < 1, `${d.decisions.alignment.mode}: centre errors ${errors.map((e) => e.toFixed(2))}`);
  });

  it('dark object on a dark background: threshold (light-on-dark polarity), similarity, pose error under 1 px', async () => {
    const items = await generate('dark-on-dark');
    const d = await decide(items);
    assert.equal(d.decisions.segmenter.kind, 'threshold', d.decisions.segmenter.reason);
    assert.equal(d.decisions.alignment.mode, 'similarity', d.decisions.alignment.reason);
    const errors = await similarityPoseErrors(items, d);
    assert.ok(Math.max(...errors) < 1, `pose errors ${errors.map((e) => e.toFixed(2))}`);
  });

  it('colour object of the background\'s brightness: threshold on the colour-distance plane, similarity, pose error under 1 px', async () => {
    const items = await generate('colour');
    const d = await decide(items);
    assert.equal(d.decisions.segmenter.kind, 'threshold', d.decisions.segmenter.reason);
    assert.match(d.decisions.segmenter.reason, /on the distance from the border's colour/);
    assert.equal(d.decisions.alignment.mode, 'similarity', d.decisions.alignment.reason);
    const errors = await similarityPoseErrors(items, d);
    assert.ok(Math.max(...errors) < 1, `pose errors ${errors.map((e) => e.toFixed(2))}`);
  });

  it('structured periodic background: the threshold test refuses, no model given, the parts are already registered: stored unaligned and unmasked', async () => {
    const items = await generate('periodic');
    const d = await decide(items);
    assert.equal(d.decisions.segmenter.kind, 'none');
    assert.match(d.decisions.segmenter.reason, /threshold test failed.*no model given/);
    assert.equal(d.decisions.alignment.mode, 'none');
    assert.match(d.decisions.alignment.reason, /already registered/);
    assert.equal(d.decisions.mask.enabled, false);
    assert.equal(d.decisions.misalignment.metric, 'ncc');
    const errors = items.slice(1).map((it) => poseErrorPx([1, 0, 0, 0, 1, 0], items[0].pose!, it.pose!));
    assert.ok(Math.max(...errors) < 1.5, `identity pose errors ${errors.map((e) => e.toFixed(2))}`);
  });

  it('texture with no object: neither segmenter, alignment nor mask, nothing to judge', async () => {
    const items = await generate('texture');
    assert.ok(new Set(items.map((i) => i.image.height)).size > 1, 'heights vary');
    const d = await decide(items);
    assert.equal(d.chosen, null);
    assert.equal(d.decisions.segmenter.kind, 'none');
    assert.match(d.decisions.segmenter.reason, /no object/);
    assert.equal(d.decisions.alignment.mode, 'none');
    assert.equal(d.decisions.mask.enabled, false);
    assert.equal(d.decisions.misalignment.metric, 'none');
  });
});
