// Segmented reels through the CLI path: N closed-GOP segments indexed by the manifest, encoded in parallel, restored
// in parallel and by range (touching only the segments needed), and multi-class roots. Small generated data.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../lambdas/cli/main.ts';
import { compressClasses, compressFolder, listClasses } from '../../../lambdas/cli/local-runs.ts';
import { RunSummarySchema } from '../../../lambdas/core/run-summary.ts';
import { frameSha256 } from '../../../lambdas/core/hash.ts';
import { decodeImage } from '../../../lambdas/core/image-io.ts';
import { manifestFileDocument } from '../../../lambdas/core/manifest.ts';
import { loadManifest } from '../../../lambdas/core/artifacts.ts';
import { restoreFrames, restoreFramesParallel } from '../../../lambdas/core/restore.ts';
import { verifyOutput } from '../../../lambdas/core/verify.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { restoredByName } from '../../helpers/restored.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';

const SIZE = 160;
const COUNT = 10;
// alignment quality is not the subject here: a frame that fails it is kept (flagged)
const OPTS = { preset: 'ultrafast' as const, threads: 1, onAlignFailure: 'keep' as const };

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(dir)).filter((f) => f.endsWith('.png')).sort()) out[n] = frameSha256((await decodeImage(await readFile(join(dir, n)), n)).image);
  return out;
}

async function quietMain(args: string[]): Promise<number> {
  const log = console.log;
  console.log = () => {};
  try {
    return await main(args);
  } finally {
    console.log = log;
  }
}

describe('segmented reels (CLI path)', () => {
  let root: string;
  let input: string;
  before(async () => {
    root = await tempDir('adreel-seg-');
    input = join(root, 'input');
    await writeSyntheticFolder(input, { count: COUNT, size: SIZE, seed: 11 });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('--segment-frames 4 writes reel-000..002.mp4, each indexed (range, bytes, sha256); a small set is one reel.mp4', async () => {
    const one = await compressFolder(input, join(root, 'one'), parseCompressOptions(OPTS));
    assert.equal(one.segments, 1);
    assert.deepEqual(one.manifest.reels.map((r) => [r.file, r.firstFrame, r.frameCount]), [['reel.mp4', 0, COUNT]]);

    const out = join(root, 'seg');
    assert.equal(await quietMain(['compress', input, out, '--preset', 'ultrafast', '--threads', '1', '--on-align-failure', 'keep', '--segment-frames', '4', '--quiet']), 0);
    const m = await loadManifest(new LocalStorage(out));
    assert.deepEqual(m.reels.map((r) => [r.file, r.firstFrame, r.frameCount]), [['reel-000.mp4', 0, 4], ['reel-001.mp4', 4, 4], ['reel-002.mp4', 8, 2]]);
    for (const r of m.reels) {
      const bytes = await readFile(join(out, r.file));
      assert.equal(bytes.length, r.bytes);
    }
    assert.ok(!(await readdir(out)).includes('reel.mp4'));
    assert.equal((await verifyOutput(new LocalStorage(out))).ok, true);
  });

  it('parallel encode (2 ffmpeg processes) gives the same decoded frames as one at a time; lossless segments restore bit-exactly', async () => {
    const a = await compressFolder(input, join(root, 'p1'), parseCompressOptions({ ...OPTS, segmentFrames: 3 }), { encodeConcurrency: 1 });
    const b = await compressFolder(input, join(root, 'p2'), parseCompressOptions({ ...OPTS, segmentFrames: 3 }), { encodeConcurrency: 2 });
    assert.equal(a.segments, 4);
    assert.deepEqual(b.manifest.reels.map((r) => r.framesSha256), a.manifest.reels.map((r) => r.framesSha256));
    assert.deepEqual(b.manifest.frames.map((f) => f.name), a.manifest.frames.map((f) => f.name));
    const lossless1 = await compressFolder(input, join(root, 'l1'), parseCompressOptions({ lossless: true, ...OPTS }));
    const lossless4 = await compressFolder(input, join(root, 'l4'), parseCompressOptions({ lossless: true, ...OPTS, segmentFrames: 4 }));
    assert.equal(lossless4.segments, 3);
    // each segment orders its own frames, so compare frame by frame under their names
    assert.deepEqual(await restoredByName(lossless4.outDir), await restoredByName(lossless1.outDir));
  });

  it('parallel restore writes the same frames as the sequential one', async () => {
    const store = new LocalStorage(join(root, 'seg'));
    const sequential: Record<string, string> = {};
    for await (const f of restoreFrames(store)) sequential[f.fileName] = frameSha256((await decodeImage(f.png, f.fileName)).image);
    const parallel: Record<string, string> = {};
    const r = await restoreFramesParallel(store, async (f) => void (parallel[f.fileName] = frameSha256((await decodeImage(f.png, f.fileName)).image)), { concurrency: 3 });
    assert.deepEqual(r.segments, [0, 1, 2]);
    assert.deepEqual(parallel, sequential);
  });

  it('--frames A-B touches only the segments it needs: a deleted and a corrupted unneeded segment do not matter', async () => {
    const out = join(root, 'seg');
    const full = join(root, 'restored-full');
    assert.equal(await quietMain(['restore', out, full, '--quiet']), 0);
    const all = await hashes(full);
    await rm(join(out, 'reel-000.mp4'));
    const last = await readFile(join(out, 'reel-002.mp4'));
    last[last.length - 50] ^= 0xff;
    await writeFile(join(out, 'reel-002.mp4'), last);
    const ranged = join(root, 'restored-4-7');
    assert.equal(await quietMain(['restore', out, ranged, '--frames', '4-7', '--jobs', '2', '--quiet']), 0);
    const got = await hashes(ranged);
    assert.equal(Object.keys(got).length, 4);
    for (const [n, h] of Object.entries(got)) assert.equal(h, all[n], n);
    // the whole reel is refused (naming the missing segment), and nothing is written
    const broken = join(root, 'restored-broken');
    const err = console.error;
    console.error = () => {};
    try {
      assert.notEqual(await main(['restore', out, broken, '--quiet']), 0);
    } finally {
      console.error = err;
    }
    assert.deepEqual((await readdir(broken).catch(() => [])).filter((f) => f.endsWith('.png')), []);
    const v = await verifyOutput(new LocalStorage(out));
    assert.equal(v.ok, false);
    assert.match(v.problems.join('\n'), /reel-000\.mp4/);
  });

  it('a root of categories: <outDir>/<class>/ each complete, classes in parallel, one summary', async () => {
    const mroot = join(root, 'mvtec');
    await writeSyntheticFolder(join(mroot, 'bolt', 'train', 'good'), { count: 5, size: SIZE, seed: 3 });
    await writeSyntheticFolder(join(mroot, 'bracket', 'train', 'good'), { count: 4, size: SIZE, seed: 4, kind: 'asymmetric' });
    await mkdir(join(mroot, 'notes'));
    assert.deepEqual(await listClasses(mroot), ['bolt', 'bracket']);
    assert.equal(await listClasses(input), null);
    assert.equal(await listClasses(join(mroot, 'bolt')), null);
    const out = join(root, 'mvtec-out');
    assert.equal(await quietMain(['compress', mroot, out, '--preset', 'ultrafast', '--threads', '1', '--on-align-failure', 'keep', '--quiet']), 0);
    assert.deepEqual((await readdir(out)).sort(), ['bolt', 'bracket', 'summary.json']);
    const summary = RunSummarySchema.parse(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')));
    assert.deepEqual(summary.classes.map((c) => [c.class, c.frames]), [['bolt', 5], ['bracket', 4]]);
    assert.equal(summary.totals.frames, 9);
    for (const c of ['bolt', 'bracket']) {
      assert.equal((await verifyOutput(new LocalStorage(join(out, c)))).ok, true, c);
      const m = (manifestFileDocument(await readFile(join(out, c, 'manifest.bin')), 'manifest.bin') as any);
      assert.equal(m.dataset.sourceLayout, 'mvtec');
    }
    // the same thing through the function, which also refuses a folder without categories
    await assert.rejects(compressClasses(input, join(root, 'x'), parseCompressOptions(OPTS)), /no categories/);
  });
});
