// One dataset layout rule over the Storage port (lambdas/core/dataset.ts): the same answers for a local folder
// (LocalStorage, the CLI) and a prefix inside a store (the cloud's ingest bucket; here a LocalStorage prefix).
// Plus the one run summary schema and the one transform report schema.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mvtecClasses, resolveDataset } from '../../lambdas/core/dataset.ts';
import { buildRunSummary, RunSummarySchema, serializeRunSummary, type ClassSummary } from '../../lambdas/core/run-summary.ts';
import { parseTransformReport, serializeTransformReport, TransformReportBuilder } from '../../lambdas/core/transform-report.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';

let root: string;
const touch = async (rel: string) => {
  await mkdir(join(root, rel, '..'), { recursive: true });
  await writeFile(join(root, rel), 'x');
};

describe('dataset layout over Storage', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'adreel-layout-'));
    for (const f of ['folder/a.png', 'folder/b.jpg', 'folder/notes.txt', 'folder/sub/c.png']) await touch(f);
    for (const f of ['cat/train/good/001.png', 'cat/train/good/000.png', 'cat/test/good/t.png', 'cat/readme.txt']) await touch(f);
    for (const f of ['root/bolt/train/good/1.png', 'root/nut/train/good/2.png', 'root/.hidden/train/good/3.png', 'root/notes/x.txt', 'root/_READY']) await touch(f);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const [label, store, prefix] of [
    ['a folder as the store root (CLI)', (p: string) => new LocalStorage(join(root, p)), (_p: string) => ''],
    ['a prefix inside a store (cloud)', (_p: string) => new LocalStorage(root), (p: string) => p],
  ] as const) {
    it(`${label}: folder, MVTec category and MVTec root`, async () => {
      const folder = await resolveDataset(store('folder'), prefix('folder'));
      assert.equal(folder.layout, 'folder');
      assert.deepEqual(folder.listing.entries.map((e) => e.name), ['a.png', 'b.jpg']);
      assert.deepEqual(folder.listing.skipped.map((s) => s.name), ['notes.txt']);
      const cat = await resolveDataset(store('cat'), prefix('cat'));
      assert.equal(cat.layout, 'mvtec');
      assert.deepEqual(cat.listing.entries.map((e) => e.name), ['000.png', '001.png']);
      assert.equal(await mvtecClasses(store('folder'), prefix('folder')), null);
      assert.equal(await mvtecClasses(store('cat'), prefix('cat')), null);
      assert.deepEqual(await mvtecClasses(store('root'), prefix('root')), ['bolt', 'nut']);
    });
  }
});

describe('one run summary schema for CLI and cloud', () => {
  const cls = (name: string | null, frames: number): ClassSummary => ({
    class: name, outDir: `/o/${name}`, frames, dropped: 0, inputBytes: 1000 * frames, reelBytes: 10 * frames, segments: 1,
    outputBytes: 20 * frames, overhead: { manifest: 5 * frames, reference: 5 * frames, masks: 0, other: 0, total: 10 * frames },
    ratio: 50, reelRatio: 100, unionFraction: 0.1, warnings: [],
  });
  it('totals are computed once; the CLI extras and the cloud ids are both optional; JSON has no Infinity', () => {
    const cli = buildRunSummary({ input: '/in', outDir: '/o', seconds: 3 }, [{ ...cls('a', 2), psnrDb: null, seconds: { encode: 1 } }, cls('b', 3)]);
    assert.deepEqual(cli.totals, { classes: 2, frames: 5, dropped: 0, inputBytes: 5000, reelBytes: 50, outputBytes: 100, segments: 2, ratio: 50, reelRatio: 100 });
    const cloud = buildRunSummary({ input: 's3://i/d', outDir: 's3://o/datasets/d/runs/r', dataset: 'd', runId: 'r' }, [cls(null, 1)]);
    for (const s of [cli, cloud]) assert.deepEqual(RunSummarySchema.parse(JSON.parse(serializeRunSummary(s).toString())), s);
    assert.throws(() => RunSummarySchema.parse({ ...cli, version: 1 }), 'a version 1 summary is another shape');
  });
});

describe('one transform report for CLI and cloud', () => {
  it('counts are derived from the entries; the report round-trips through its schema', () => {
    const b = new TransformReportBuilder({ poseModel: { source: 'none', summary: null, reason: 'not aligned' } });
    const t = (ok: boolean | null) => ({
      image: { width: 1, height: 1, channels: 1 as const, data: new Uint8Array(1) },
      matrix: ok === null ? null : ([1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number]),
      alignment: ok === null ? null : { score: ok ? 0.9 : 0.2, silhouetteIou: 0.9, ncc: 0.9, method: 'm', ok },
      pose: null,
      warnings: ok === false ? ['weak alignment'] : [],
    });
    b.add('a.png', 'test/good/a.png', t(true), 'ground_truth/good/a_mask.png');
    b.add('b.jpg', 'test/good/b.png', t(false));
    const r = b.finish();
    assert.equal(r.images, 2);
    assert.equal(r.groundTruthMasks, 1);
    assert.equal(r.flagged, 1);
    assert.deepEqual(r.warnings, ['weak alignment']);
    assert.deepEqual(parseTransformReport(serializeTransformReport(r), 'r.json'), r);
    assert.throws(() => parseTransformReport(Buffer.from('[{"file":"a.png"}]'), 'transforms.json'), /transforms\.json: not an adreel transform report/);
  });
});
