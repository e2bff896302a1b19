// Partial unions (lambdas/core/compress/partial-union.ts): the reducer ORs one partial per group (level 2) or per
// align batch (level 1) instead of every object mask, takes the records from them, falls back to a frame's own mask
// and record where no usable partial covers it, and the union is the same PNG (sha256) as the one built mask by mask.
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KEYS, type FrameDraft, type JobState, type StageContext } from '../../../lambdas/core/compress/job.ts';
import {
  draftsOfPartials,
  GROUP_ENTRIES,
  mergeGroupUnion,
  parsePartial,
  readPartialUnions,
  writeBatchUnion,
} from '../../../lambdas/core/compress/partial-union.ts';
import { buildUnionMask, unionMaskStage } from '../../../lambdas/core/compress/union.ts';
import { sha256 } from '../../../lambdas/core/hash.ts';
import { encodeMaskPng } from '../../../lambdas/core/image-io.ts';
import { renderSyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';
import type { Mask } from '../../../lambdas/core/types.ts';
import { readDrafts } from '../../../lambdas/core/run-state/read.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { RUN_STATE } from '../../../lambdas/core/run-state/index.ts';

const SIZE = 96;
const COUNT = 20;
const BATCH = 8;
/** dropped by its record (its mask file exists all the same: it must never count) */
const DROPPED = 3;
/** kept without an object mask (segmentation failed, policy keep) */
const NO_MASK = 7;

const jobOf = (count = COUNT) => ({ options: { mask: true, marginPx: 2, crop: true }, entries: Array.from({ length: count }, (_, i) => ({ name: `${i}.png` })) }) as unknown as JobState;
const job = jobOf();

function draftsFor(dropped: ReadonlySet<number>, count = COUNT): FrameDraft[] {
  // complete records: run state is read back through its schema (lambdas/core/run-state)
  return Array.from({ length: count }, (_, i): FrameDraft => ({
    entryIndex: i,
    name: `${i}.png`,
    stem: `${i}`,
    source: { width: 8, height: 8, mode: 'grey', format: 'png', bitDepth: 8, hadAlpha: false, bytes: 100, sha256: '0'.repeat(64) },
    transform: null,
    alignment: null,
    warnings: [],
    ...(dropped.has(i) ? { dropped: 'test' } : {}),
  }));
}

/** Aligned masks: the same screw, a few pixels and degrees off from frame to frame (residual misalignment). */
function maskOf(i: number): Mask {
  return renderSyntheticObject({ kind: 'screw', width: SIZE, height: SIZE, angleDeg: 30 + ((i * 7) % 11) - 5, scale: 1, tx: ((i * 5) % 13) - 6, ty: ((i * 3) % 7) - 3, seed: i }).mask;
}

const batches = (n: number, size: number) => Array.from({ length: Math.ceil(n / size) }, (_, b) => Array.from({ length: Math.min(size, n - b * size) }, (_, k) => b * size + k));

describe('partial unions', () => {
  let root: string;
  let n = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'adreel-partial-union-'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  /** A run's store as the align stage leaves it: object masks (none for NO_MASK) and records. */
  async function storeWithMasks(drafts: FrameDraft[]): Promise<LocalStorage> {
    const store = new LocalStorage(join(root, `run-${n++}`));
    for (let i = 0; i < COUNT; i++) {
      if (i !== NO_MASK) await store.put(RUN_STATE.objectMask(i), await encodeMaskPng(maskOf(i)));
      await store.put(RUN_STATE.record(i).key, Buffer.from(JSON.stringify(drafts[i])));
    }
    return store;
  }

  /** The union as the reducer built it before partials: every kept frame's mask, one by one. */
  async function referenceUnion(drafts: FrameDraft[]): Promise<{ sha256: string; png: Buffer }> {
    const store = await storeWithMasks(drafts);
    const union = await unionMaskStage(ctxOf(store), job, drafts);
    return { sha256: union!.sha256, png: await store.get(KEYS.mask) };
  }

  const ctxOf = (target: LocalStorage): StageContext => ({ source: target, target });

  /** What the align batches write: one level 1 each, the last of a group merging it. */
  async function alignBatches(store: LocalStorage, drafts: FrameDraft[], size = BATCH, merge = true): Promise<void> {
    for (const b of batches(COUNT, size)) {
      const p = await writeBatchUnion(store, job, b, b.map((i) => drafts[i]));
      if (merge) await mergeGroupUnion(store, COUNT, Math.floor(p!.first / GROUP_ENTRIES));
    }
  }

  it('the group partial gives the same union PNG (sha256) as every mask one by one, and the same records', async () => {
    const drafts = draftsFor(new Set([DROPPED]));
    const expected = await referenceUnion(drafts);
    // the test can tell: the dropped frame's mask (on disk all the same) would change the union
    assert.notEqual((await referenceUnion(draftsFor(new Set()))).sha256, expected.sha256);
    const store = await storeWithMasks(drafts);
    await alignBatches(store, drafts);
    const partials = await readPartialUnions(store, COUNT, 16);
    assert.deepEqual(partials.map((p) => p.key), [RUN_STATE.groupUnion(0, 'json')]);
    assert.deepEqual(await readDrafts(store, job, partials), drafts);
    const { union, sources } = await buildUnionMask(ctxOf(store), job, drafts, partials);
    assert.equal(union!.sha256, expected.sha256);
    assert.deepEqual(await store.get(KEYS.mask), expected.png);
    assert.deepEqual(sources, { partials: 1, ignoredPartials: 0, coveredFrames: COUNT - 1, maskReads: 0 });
    // without the level 2, the three level 1s: the same union
    await unlink(join(store.root, RUN_STATE.groupUnion(0, 'json')));
    const level1 = await buildUnionMask(ctxOf(store), job, drafts);
    assert.equal(level1.union!.sha256, expected.sha256);
    assert.deepEqual(level1.sources, { partials: 3, ignoredPartials: 0, coveredFrames: COUNT - 1, maskReads: 0 });
  });

  it('a sidecar holds the records, the kept frames it covers and the masks in it; a retried batch rewrites the same keys', async () => {
    const drafts = draftsFor(new Set([DROPPED]));
    const store = await storeWithMasks(drafts);
    const b0 = batches(COUNT, BATCH)[0];
    const first = (await writeBatchUnion(store, job, b0, b0.map((i) => drafts[i])))!;
    assert.equal(first.key, '.work/unions/1/000000/000000-000007.json');
    assert.deepEqual(first.drafts, b0.map((i) => drafts[i]));
    assert.deepEqual(first.covers, [0, 1, 2, 4, 5, 6, 7]);
    assert.deepEqual(first.masks, [0, 1, 2, 4, 5, 6]);
    assert.equal(first.png, '.work/unions/1/000000/000000-000007.png');
    const png = await store.get(first.png!);
    assert.equal(first.sha256, sha256(png));
    assert.deepEqual(parsePartial(await store.get(first.key), 1), (({ key: _k, ...rest }) => rest)(first));
    const again = (await writeBatchUnion(store, job, b0, [...b0].reverse().map((i) => drafts[i])))!;
    assert.deepEqual(again, first);
    assert.deepEqual(await store.get(first.png!), png);
    // the group is not complete yet: no level 2
    assert.equal(await mergeGroupUnion(store, COUNT, 0), null);
    assert.deepEqual((await store.list(RUN_STATE.unions)).map((o) => o.key), [first.key, first.png]);
    // a batch whose kept frames have no mask: no PNG; a failed image (no record) is in no list
    const b = (await writeBatchUnion(store, job, [6, 7], [drafts[7]]))!;
    assert.deepEqual([b.covers, b.masks, b.png, b.sha256], [[NO_MASK], [], null, null]);
    // not a run of consecutive entries (not from the Map's batcher): nothing written
    assert.equal(await writeBatchUnion(store, job, [0, 2], [drafts[0], drafts[2]]), null);
    await assert.rejects(writeBatchUnion(store, job, [0, 1], [drafts[2]]), /not one of batch 0-1/);
  });

  it('kept frames no partial covers are read one by one, masks and records (a missing sidecar, single-image invocations, the CLI)', async () => {
    const drafts = draftsFor(new Set([DROPPED]));
    const expected = await referenceUnion(drafts);
    const store = await storeWithMasks(drafts);
    await alignBatches(store, drafts, BATCH, false);
    // the last batch crashed before its sidecar: its PNG alone does not count
    await unlink(join(store.root, RUN_STATE.batchUnion(0, 16, 19, 'json')));
    assert.equal(await mergeGroupUnion(store, COUNT, 0), null, 'the group is not tiled without it');
    const partials = await readPartialUnions(store, COUNT, 16);
    assert.equal(partials.length, 2);
    assert.deepEqual(await readDrafts(store, job, partials), drafts);
    const { union, sources } = await buildUnionMask(ctxOf(store), job, drafts, partials);
    assert.equal(union!.sha256, expected.sha256);
    assert.deepEqual(sources, { partials: 2, ignoredPartials: 0, coveredFrames: 15, maskReads: 4 });
    // no partial at all (the CLI path): every mask, every record
    const bare = await storeWithMasks(drafts);
    assert.deepEqual(await readDrafts(bare, job), drafts);
    const cli = await buildUnionMask(ctxOf(bare), job, drafts);
    assert.equal(cli.union!.sha256, expected.sha256);
    assert.deepEqual(cli.sources, { partials: 0, ignoredPartials: 0, coveredFrames: 0, maskReads: COUNT - 1 });
  });

  it('overlapping partials of other groupings give the same union; they keep the group from being merged', async () => {
    const drafts = draftsFor(new Set([DROPPED]));
    const expected = await referenceUnion(drafts);
    const store = await storeWithMasks(drafts);
    await alignBatches(store, drafts, 8, false);
    await alignBatches(store, drafts, 5, false);
    assert.equal(await mergeGroupUnion(store, COUNT, 0), null);
    const { union, sources } = await buildUnionMask(ctxOf(store), job, drafts);
    assert.equal(union!.sha256, expected.sha256);
    assert.equal(sources.partials, 3 + 4);
    assert.equal(sources.maskReads, 0);
  });

  it('a partial whose PNG changed since its sidecar, or an unreadable sidecar, is left out and its frames read', async () => {
    const drafts = draftsFor(new Set([DROPPED]));
    const expected = await referenceUnion(drafts);
    const store = await storeWithMasks(drafts);
    await alignBatches(store, drafts, BATCH, false);
    // another valid mask PNG under the first partial's key (a retry that died between the PNG and the sidecar)
    await store.put(RUN_STATE.batchUnion(0, 0, 7, 'png'), await encodeMaskPng(maskOf(19)));
    assert.equal(await mergeGroupUnion(store, COUNT, 0), null, 'no level 2 from a changed level 1');
    await writeFile(join(store.root, RUN_STATE.batchUnion(0, 8, 15, 'json')), '{"version":1,"level":1,"first":8');
    const partials = await readPartialUnions(store, COUNT, 16);
    assert.equal(partials.length, 2);
    assert.deepEqual(await readDrafts(store, job, partials), drafts, 'records of the unreadable one from the record files');
    const { union, sources } = await buildUnionMask(ctxOf(store), job, drafts, partials);
    assert.equal(union!.sha256, expected.sha256);
    assert.deepEqual(sources, { partials: 1, ignoredPartials: 1, coveredFrames: 4, maskReads: 15 });
  });

  it('a partial holding the mask of a frame that is not kept is left out; covering a dropped frame is harmless', async () => {
    // the partials were written when frame 9 was kept; the drafts the reducer goes by now drop it
    const store = await storeWithMasks(draftsFor(new Set([DROPPED])));
    await alignBatches(store, draftsFor(new Set([DROPPED])), BATCH, false);
    const drafts = draftsFor(new Set([DROPPED, 9]));
    const expected = await referenceUnion(drafts);
    assert.notEqual(expected.sha256, (await referenceUnion(draftsFor(new Set([DROPPED])))).sha256, 'frame 9 changes the union');
    const { union, sources } = await buildUnionMask(ctxOf(store), job, drafts);
    assert.equal(union!.sha256, expected.sha256);
    assert.deepEqual(sources, { partials: 2, ignoredPartials: 1, coveredFrames: 11, maskReads: 7 });
  });

  it('the group partial stands for the whole group: records of dropped frames too, a last group shorter than the others', async () => {
    const drafts = draftsFor(new Set([DROPPED, 12]));
    const expected = await referenceUnion(drafts);
    const store = await storeWithMasks(drafts);
    await alignBatches(store, drafts);
    const group = parsePartial(await store.get(RUN_STATE.groupUnion(0, 'json')), 2)!;
    assert.deepEqual([group.first, group.last, group.drafts.length], [0, COUNT - 1, COUNT]);
    assert.deepEqual(group.masks, group.covers.filter((i) => i !== NO_MASK));
    assert.deepEqual(draftsOfPartials([group]).get(12), drafts[12]);
    // a level 2 of another size than the run's group (a stale run layout) is not taken
    assert.deepEqual((await readPartialUnions(store, COUNT + 1, 16)).map((p) => p.key).sort(), batches(COUNT, BATCH).map((b) => RUN_STATE.batchUnion(0, b[0], b.at(-1)!, 'json')));
    const { union, sources } = await buildUnionMask(ctxOf(store), job, drafts);
    assert.equal(union!.sha256, expected.sha256);
    assert.deepEqual(sources, { partials: 1, ignoredPartials: 0, coveredFrames: COUNT - 2, maskReads: 0 });
  });

  it('groups of GROUP_ENTRIES entries: each merged by the batch that completes it', async () => {
    const count = GROUP_ENTRIES + 16;
    const big = jobOf(count);
    const store = new LocalStorage(join(root, `run-${n++}`));
    const drafts = draftsFor(new Set(), count);
    const mask = await encodeMaskPng(maskOf(1));
    for (let i = 0; i < count; i += 97) await store.put(RUN_STATE.objectMask(i), mask);
    const merged: string[] = [];
    for (const b of batches(count, 64)) {
      const p = await writeBatchUnion(store, big, b, b.map((i) => drafts[i]));
      const g = await mergeGroupUnion(store, count, Math.floor(p!.first / GROUP_ENTRIES));
      if (g) merged.push(`${g.key} after ${p!.first}-${p!.last}`);
    }
    assert.deepEqual(merged, [`${RUN_STATE.groupUnion(0, 'json')} after 960-1023`, `${RUN_STATE.groupUnion(1, 'json')} after 1024-1039`]);
    const partials = await readPartialUnions(store, count, 16);
    assert.equal(partials.length, 2);
    assert.deepEqual(await readDrafts(store, big, partials), drafts);
    const { sources } = await buildUnionMask(ctxOf(store), big, drafts, partials);
    assert.deepEqual(sources, { partials: 2, ignoredPartials: 0, coveredFrames: count, maskReads: 0 });
  });
});
