// The serverless pipeline end to end on this machine: the synthesized state machine (aws-local-stepfunctions), the
// real handlers in-process, S3 on s3rver (127.0.0.1). Simulated here, because they cannot run locally: EventBridge
// delivery (s3rver object events -> the _READY rule) and StartExecution's name uniqueness (LocalPipeline).
import './quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { compressFolder } from '../../lambdas/cli/local-runs.ts';
import { S3Storage } from '../../lambdas/storage/s3.ts';
import { sha256 } from '../../lambdas/core/hash.ts';
import { createRestoreHandler, type RestoreResult } from '../../lambdas/handlers/restore.ts';
import { s3Deps } from '../../lambdas/handlers/commons/deps.ts';
import { startLocalS3, type LocalS3 } from '../../infra/local/s3rver.ts';
import { LocalPipeline, toEventBridge, type TaskHandler } from '../../infra/local/pipeline.ts';
import { STATE_NAMES } from '../../infra/pipeline.ts';
import { DEFAULT_MAP } from '../../infra/sizing.ts';
import type { UnionMaskResult } from '../../lambdas/handlers/union-mask.ts';
import { writeSyntheticFolder } from '../helpers/synthetic-folder.ts';
import { INGEST, OPTIONS, OUTPUT, pixelHashesOfFolder, pixelHashesOfPrefix, restoreToFolder, uploadFolder, waitFor, writeMarker } from './harness.ts';
import { parseCompressOptions } from '../../lambdas/core/compress/options.ts';

let s3: LocalS3;
let work: string;
let images: string;
const open: LocalPipeline[] = [];

/** The real restore handler over this test's s3rver (segments decoded in-process, as without RESTORE_SEGMENT_FUNCTION). */
const restore = (event: unknown) => createRestoreHandler(() => s3Deps(s3.client, INGEST, OUTPUT, {}), () => undefined)(event);

function pipelineFor(opts: Omit<ConstructorParameters<typeof LocalPipeline>[0], 's3' | 'ingestBucket' | 'outputBucket'> = {}): LocalPipeline {
  const p = new LocalPipeline({ s3, ingestBucket: INGEST, outputBucket: OUTPUT, ...opts });
  open.push(p);
  return p;
}

describe('serverless pipeline, local end to end', () => {
  before(async () => {
    s3 = await startLocalS3([INGEST, OUTPUT]);
    work = await mkdtemp(join(tmpdir(), 'adreel-e2e-'));
    images = join(work, 'images');
    await writeSyntheticFolder(images, { count: 8, size: 160, seed: 7 });
  });
  afterEach(async () => {
    // one pipeline listens to the marker events at a time
    for (const p of open.splice(0)) await p.close();
  });
  after(async () => {
    await s3?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('upload + marker -> state machine -> restore gives the same decoded pixels as the local CLI', async () => {
    const t0 = performance.now();
    const unions: UnionMaskResult[] = [];
    const recordUnion = (real: TaskHandler): TaskHandler => async (input) => {
      const result = (await real(input)) as UnionMaskResult;
      unions.push(result);
      return result;
    };
    const pipeline = pipelineFor({ wrap: { [STATE_NAMES.union]: recordUnion } });
    await uploadFolder(s3, images, 'parts/screws');
    assert.equal(pipeline.executions.size, 0, 'image uploads alone start nothing');
    await writeMarker(s3, 'parts/screws');
    await waitFor(() => pipeline.executions.size === 1);
    await pipeline.settle();
    const [run] = pipeline.executions.values();
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
    // the reducer read one partial union (the align batch's, merged into its group's), not the 8 masks and records
    assert.equal(DEFAULT_MAP.maxItemsPerBatch, 8);
    assert.equal(unions.length, 1);
    assert.equal(unions[0].frames, 8);
    assert.equal(unions[0].partials, 1);
    assert.ok(unions[0].partials < unions[0].frames);
    assert.equal(unions[0].maskReads, 0);
    const partialKeys = (await new S3Storage(s3.client, OUTPUT, `work/parts/screws/${run.name}`).list('.work/unions')).map((o) => o.key);
    assert.deepEqual(partialKeys, ['.work/unions/1/000000/000000-000007.json', '.work/unions/1/000000/000000-000007.png', '.work/unions/2/000000.json', '.work/unions/2/000000.png']);
    const restored = (await restore({ dataset: 'parts/screws', outputPrefix: 'restored/screws-e2e' })) as RestoreResult;
    assert.equal(restored.frames, 8);
    const cloudSeconds = (performance.now() - t0) / 1000;

    const manifest = JSON.parse((await new S3Storage(s3.client, OUTPUT).get(restored.manifestKey)).toString('utf8'));
    assert.deepEqual(manifest[0], { prefix: `s3://${OUTPUT}/restored/screws-e2e/` });
    assert.equal(manifest.length, 9);

    const cliOut = join(work, 'cli-out');
    await compressFolder(images, cliOut, parseCompressOptions(OPTIONS));
    // the union from the partial (cloud) and from the masks one by one (CLI): the same PNG
    const cloudMask = await new S3Storage(s3.client, OUTPUT).get(`datasets/parts/screws/runs/${run.name}/mask.bin`);
    assert.equal(sha256(cloudMask), sha256(await readFile(join(cliOut, 'mask.bin'))));
    const cliRestored = join(work, 'cli-restored');
    await restoreToFolder(cliOut, cliRestored);
    const cloud = await pixelHashesOfPrefix(s3, 'restored/screws-e2e');
    const local = await pixelHashesOfFolder(cliRestored);
    assert.equal(Object.keys(cloud).length, 8);
    assert.deepEqual(cloud, local);
    // issue 10: a non-empty outputPrefix is refused unless overwrite: true (adreel.manifest rewritten last)
    await assert.rejects(restore({ dataset: 'parts/screws', outputPrefix: 'restored/screws-e2e' }), (e: Error) => /output prefix is not empty .*"overwrite": true/.test(e.message));
    const again = (await restore({ dataset: 'parts/screws', outputPrefix: 'restored/screws-e2e', frames: '0-3', overwrite: true })) as RestoreResult;
    assert.equal(again.frames, 4);
    assert.equal(JSON.parse((await new S3Storage(s3.client, OUTPUT).get(again.manifestKey)).toString('utf8')).length, 5);
    console.log(`# local e2e: 8 x 160 px, upload -> state machine -> restore in ${cloudSeconds.toFixed(1)} s`);
  });

  it('a duplicate marker event starts no second execution; uploading the same dataset again is idempotent', async () => {
    const pipeline = pipelineFor();
    const events: Parameters<typeof toEventBridge>[0][] = [];
    const stop = s3.onRecord((r) => void (r.s3.object.key.endsWith('/_READY') && r.s3.bucket.name === INGEST && events.push(r)));
    await uploadFolder(s3, images, 'dup');
    await writeMarker(s3, 'dup');
    await waitFor(() => pipeline.executions.size === 1);
    stop();
    await pipeline.deliver(toEventBridge(events[0])); // EventBridge delivers at least once: the same event again
    await pipeline.settle();
    assert.equal(pipeline.executions.size, 1);
    assert.deepEqual(pipeline.startResults.map((r) => (r as { started: boolean }).started), [true, false]);
    const first = (await restore({ dataset: 'dup', outputPrefix: 'restored/dup-1' })) as RestoreResult;

    await uploadFolder(s3, images, 'dup'); // same files again, and a new marker: a new run, same result
    await new Promise((r) => setTimeout(r, 5)); // a distinct s3rver sequencer (millisecond clock)
    await writeMarker(s3, 'dup');
    await waitFor(() => pipeline.executions.size === 2);
    await pipeline.settle();
    assert.ok([...pipeline.executions.values()].every((e) => e.status === 'SUCCEEDED'));
    const second = (await restore({ dataset: 'dup', outputPrefix: 'restored/dup-2' })) as RestoreResult;
    assert.notEqual(first.runId, second.runId);
    assert.deepEqual(await pixelHashesOfPrefix(s3, 'restored/dup-2'), await pixelHashesOfPrefix(s3, 'restored/dup-1'));
  });

  it('an align task failing once (simulated Lambda service error) is retried and the result is unchanged', async () => {
    let failures = 0;
    const failOnce = (real: TaskHandler): TaskHandler => async (input) => {
      if (failures === 0) {
        failures++;
        const e = new Error('simulated: Lambda service unavailable');
        e.name = 'Lambda.ServiceException';
        throw e;
      }
      return real(input);
    };
    const pipeline = pipelineFor({ wrap: { [STATE_NAMES.align]: failOnce } });
    await uploadFolder(s3, images, 'retry');
    await writeMarker(s3, 'retry');
    await waitFor(() => pipeline.executions.size === 1);
    await pipeline.settle();
    const [run] = pipeline.executions.values();
    assert.equal(failures, 1);
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
    await restore({ dataset: 'retry', outputPrefix: 'restored/retry' });
    assert.deepEqual(await pixelHashesOfPrefix(s3, 'restored/retry'), await pixelHashesOfPrefix(s3, 'restored/screws-e2e'));
  });

  it('one image that always fails (corrupt PNG) fails the run, naming the image, and publishes nothing', async () => {
    const pipeline = pipelineFor();
    await uploadFolder(s3, images, 'corrupt');
    // sorted last, so the reference and the segmenter sample (first 8 images) are clean: the Map meets it
    await s3.client.send(new PutObjectCommand({ Bucket: INGEST, Key: 'corrupt/zz-broken.png', Body: Buffer.from('not a png at all') }));
    await writeMarker(s3, 'corrupt');
    await waitFor(() => pipeline.executions.size === 1);
    await pipeline.settle();
    const [run] = pipeline.executions.values();
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error?.name, 'ImageFailureError');
    assert.match(run.error!.cause, /zz-broken\.png/);
    assert.equal(await new S3Storage(s3.client, OUTPUT).head('datasets/corrupt/LATEST.json'), undefined);
  });

  it('restore refuses a tampered reel and writes no SageMaker manifest', async () => {
    const out = new S3Storage(s3.client, OUTPUT);
    const pointer = JSON.parse((await out.get('datasets/parts/screws/LATEST.json')).toString('utf8'));
    const reelKey = `${pointer.prefix}/reel.mp4`;
    const reel = await out.get(reelKey);
    reel[reel.length - 100] ^= 0xff;
    await out.put(reelKey, reel);
    await assert.rejects(restore({ dataset: 'parts/screws', outputPrefix: 'restored/tampered' }), (e: Error) => e.name === 'IntegrityError' && /tampered|damaged/.test(e.message));
    assert.equal(await out.head('restored/tampered/adreel.manifest'), undefined);
  });
});
