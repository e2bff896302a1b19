// Issue 4 end to end on this machine: ONE upload of an MVTec-style root with two generated categories, ONE
// execution of the synthesized state machine (the class Map, and inside each class the encode Map over reel
// segments), one summary for the run; restore fans out one restore-segment invocation per segment and a ranged
// restore reads only the segments it needs. The cloud's decoded frames equal the CLI's for the same input.
import './quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { compressClasses } from '../../lambdas/cli/local-runs.ts';
import { restoreFramesParallel } from '../../lambdas/core/restore.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';
import { S3Storage } from '../../lambdas/storage/s3.ts';
import { createRestoreHandler, type RestoreResult } from '../../lambdas/handlers/restore.ts';
import { createRestoreSegmentHandler, type RestoreSegmentResult } from '../../lambdas/handlers/restore-segment.ts';
import { RunSummarySchema } from '../../lambdas/core/run-summary.ts';
import { startLocalS3, type LocalS3 } from '../../infra/local/s3rver.ts';
import { LocalPipeline } from '../../infra/local/pipeline.ts';
import { writeSyntheticFolder } from '../helpers/synthetic-folder.ts';
import { INGEST, OUTPUT, pixelHashesOfFolder, pixelHashesOfPrefix, waitFor, writeMarker } from './harness.ts';
import { parseCompressOptions } from '../../lambdas/core/compress/options.ts';
import { manifestFileDocument } from '../../lambdas/core/manifest.ts';

const OPTIONS = { threads: 1, preset: 'ultrafast' as const, crf: 28, segmentFrames: 2, onAlignFailure: 'keep' as const };

let s3: LocalS3;
let work: string;
let root: string;
let pipeline: LocalPipeline;
const invoked: number[] = [];

/** Lambda fan-out stand-in: each segment is a separate invocation of the real restore-segment handler, JSON in and out. */
const deps = () => pipeline.deps;
const restoreSegment = createRestoreSegmentHandler(deps);
const restore = createRestoreHandler(deps, () => async (event) => {
  invoked.push(event.segment);
  return JSON.parse(JSON.stringify(await restoreSegment(JSON.parse(JSON.stringify(event))))) as RestoreSegmentResult;
});

async function uploadTree(dir: string, dataset: string): Promise<number> {
  const store = new S3Storage(s3.client, INGEST, dataset);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  for (const f of files) await store.putFile(relative(dir, join(f.parentPath, f.name)), join(f.parentPath, f.name));
  return files.length;
}

describe('multi-class upload, segmented reels, fan-out restore (local end to end)', () => {
  before(async () => {
    s3 = await startLocalS3([INGEST, OUTPUT]);
    work = await mkdtemp(join(tmpdir(), 'adreel-e2e-mc-'));
    root = join(work, 'plant');
    await writeSyntheticFolder(join(root, 'bolt', 'train', 'good'), { count: 5, size: 224, seed: 3 });
    await writeSyntheticFolder(join(root, 'bracket', 'train', 'good'), { count: 4, size: 224, seed: 4, kind: 'asymmetric' });
    pipeline = new LocalPipeline({ s3, ingestBucket: INGEST, outputBucket: OUTPUT });
  });
  after(async () => {
    await pipeline?.close();
    await s3?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('two categories in one upload: one execution, a complete output per class, one summary; same frames as the CLI', async () => {
    const t0 = performance.now();
    assert.equal(await uploadTree(root, 'plant'), 9);
    await writeMarker(s3, 'plant', OPTIONS);
    await waitFor(() => pipeline.executions.size === 1);
    await pipeline.settle();
    assert.equal(pipeline.executions.size, 1, 'one upload, one execution');
    const [run] = pipeline.executions.values();
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));

    const out = new S3Storage(s3.client, OUTPUT);
    const summary = RunSummarySchema.parse(JSON.parse((await out.get(`datasets/plant/runs/${run.name}/summary.json`)).toString('utf8')));
    assert.deepEqual(summary.classes.map((c) => [c.class, c.dataset, c.frames, c.segments]), [['bolt', 'plant/bolt', 5, 3], ['bracket', 'plant/bracket', 4, 2]]);
    assert.equal(summary.totals.frames, 9);
    for (const c of ['bolt', 'bracket']) {
      const pointer = JSON.parse((await out.get(`datasets/plant/${c}/LATEST.json`)).toString('utf8'));
      const manifest = manifestFileDocument(await out.get(`${pointer.prefix}/manifest.bin`), 'manifest.bin') as any;
      assert.equal(manifest.reels[0].file, 'reel-000.mp4');
      for (const r of manifest.reels) assert.equal((await out.head(`${pointer.prefix}/${r.file}`))?.bytes, r.bytes);
    }

    const r = (await restore({ dataset: 'plant/bolt', outputPrefix: 'restored/mc-bolt' })) as RestoreResult;
    assert.equal(r.frames, 5);
    assert.equal(r.fanOut, 'lambda');
    assert.deepEqual([...invoked].sort(), [0, 1, 2], 'one restore-segment invocation per segment');
    const listing = JSON.parse((await out.get(r.manifestKey)).toString('utf8'));
    assert.equal(listing.length, 6);
    await restore({ dataset: 'plant/bracket', outputPrefix: 'restored/mc-bracket' });
    const seconds = (performance.now() - t0) / 1000;

    // the CLI on the same root with the same options
    const cliOut = join(work, 'cli');
    const cli = await compressClasses(root, cliOut, parseCompressOptions(OPTIONS));
    assert.deepEqual(cli.classes.map((c) => [c.class, c.frames, c.segments]), [['bolt', 5, 3], ['bracket', 4, 2]]);
    // one summary schema for both paths: the same figures per class (paths and timings aside)
    // The packed manifest carries its run's createdAt and digest, so its compressed length (and the output bytes
    // and ratio that include it) may differ by a few bytes between two runs; everything else must be equal.
    type ClassFigures = (typeof summary.classes)[number];
    const figures = (c: ClassFigures) => [c.class, c.frames, c.dropped, c.inputBytes, c.reelBytes, c.segments, c.outputBytes - c.overhead.manifest, { ...c.overhead, manifest: 0, total: c.overhead.total - c.overhead.manifest }, c.reelRatio, c.unionFraction];
    assert.deepEqual(cli.classes.map(figures), summary.classes.map(figures));
    // the manifests themselves: the same document but for the run's own createdAt and digest (their packed lengths
    // differ by however well those compress, so bytes are not compared)
    const documentOf = (bytes: Buffer) => {
      const { createdAt: _c, digest: _d, ...rest } = manifestFileDocument(bytes, 'manifest.bin');
      return rest;
    };
    for (const c of ['bolt', 'bracket']) {
      const pointer = JSON.parse((await out.get(`datasets/plant/${c}/LATEST.json`)).toString('utf8'));
      assert.deepEqual(documentOf(await new LocalStorage(join(cliOut, c)).get('manifest.bin')), documentOf(await out.get(`${pointer.prefix}/manifest.bin`)), `${c}: CLI and cloud manifests`);
    }
    const totals = ({ outputBytes, ratio, ...rest }: typeof summary.totals) => rest;
    assert.deepEqual(totals(cli.totals), totals(summary.totals));
    for (const c of ['bolt', 'bracket']) {
      const dest = join(work, `cli-restored-${c}`);
      const local = new LocalStorage(dest);
      await restoreFramesParallel(new LocalStorage(join(cliOut, c)), (f) => local.put(f.fileName, f.png));
      assert.deepEqual(await pixelHashesOfPrefix(s3, `restored/mc-${c}`), await pixelHashesOfFolder(dest), c);
    }
    console.log(`# multi-class e2e: 2 classes (5 + 4 x 224 px), one upload -> one execution -> 2 restores in ${seconds.toFixed(1)} s`);
  });

  it('a ranged restore reads only the segments it needs: with an unneeded segment deleted it still works', async () => {
    const out = new S3Storage(s3.client, OUTPUT);
    const pointer = JSON.parse((await out.get('datasets/plant/bracket/LATEST.json')).toString('utf8'));
    await s3.client.send(new DeleteObjectCommand({ Bucket: OUTPUT, Key: `${pointer.prefix}/reel-000.mp4` }));
    invoked.length = 0;
    const r = (await restore({ dataset: 'plant/bracket', outputPrefix: 'restored/mc-bracket-2-3', frames: '2-3' })) as RestoreResult;
    assert.equal(r.frames, 2);
    assert.deepEqual(r.segments, [1]);
    assert.equal(r.segmentCount, 2);
    const listing = JSON.parse((await out.get(r.manifestKey)).toString('utf8'));
    assert.deepEqual(listing.slice(1), ['asymmetric-002.png', 'asymmetric-003.png']);
    const full = await pixelHashesOfPrefix(s3, 'restored/mc-bracket');
    const ranged = await pixelHashesOfPrefix(s3, 'restored/mc-bracket-2-3');
    for (const [k, v] of Object.entries(ranged)) if (k.endsWith('.png')) assert.equal(v, full[k], k);
    // the whole reel needs the deleted segment: refused, and no SageMaker manifest is written
    await assert.rejects(restore({ dataset: 'plant/bracket', outputPrefix: 'restored/mc-bracket-all' }), (e: Error) => e.name === 'IntegrityError' && /reel-000\.mp4/.test(e.message));
    assert.equal(await out.head('restored/mc-bracket-all/adreel.manifest'), undefined);
  });
});
