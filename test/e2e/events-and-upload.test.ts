// The sample events in events/ are valid inputs of their functions, and `adreel upload` puts a folder and then the
// marker into the ingest bucket (s3rver on 127.0.0.1), so the marker starts the run only once the images are there.
import './quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { ObjectCreatedEvent } from '../../lambdas/handlers/start.ts';
import { RunEvent } from '../../lambdas/handlers/commons/events.ts';
import { AlignEvent } from '../../lambdas/handlers/align-mask.ts';
import { RestoreEvent } from '../../lambdas/handlers/restore.ts';
import { TransformEvent } from '../../lambdas/handlers/transform.ts';
import { RestoreSegmentEvent } from '../../lambdas/handlers/restore-segment.ts';
import { RunRef } from '../../lambdas/ground/run-contract.ts';
import { runUpload } from '../../lambdas/cli/commands/upload.ts';
import { startLocalS3, type LocalS3 } from '../../infra/local/s3rver.ts';
import { writeSyntheticFolder } from '../helpers/synthetic-folder.ts';

const SAMPLES: [string, z.ZodType][] = [
  ['start.marker-created.json', ObjectCreatedEvent],
  ['prepare-reference.json', RunEvent],
  ['align-mask.batch.json', AlignEvent],
  ['align-mask.single.json', AlignEvent],
  ['union-mask.json', RunRef],
  ['encode.json', RunRef],
  ['verify.json', RunRef],
  ['publish.json', RunRef],
  ['restore.json', RestoreEvent],
  ['restore-segment.json', RestoreSegmentEvent],
  ['transform.json', TransformEvent],
  // discover takes the state machine's input; summarize the run
  ['discover.json', RunEvent],
  ['summarize.json', RunRef],
  ['state-machine.input.json', RunEvent],
];

describe('sample events', () => {
  for (const [file, schema] of SAMPLES) {
    it(`${file} parses with its function's schema`, async () => {
      schema.parse(JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8')));
    });
  }
  it('every sample is checked above, and every function has one (events/<function>[.<case>].json)', async () => {
    const files = (await readdir(new URL('../../events/', import.meta.url))).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(files, SAMPLES.map(([f]) => f).sort());
    const handlers = (await readdir(new URL('../../lambdas/handlers/', import.meta.url))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    for (const h of handlers) assert.ok(files.some((f) => f.split('.')[0] === h), `no sample event for lambdas/handlers/${h}.ts`);
  });
  it('restore refuses an output prefix outside restored/', () => {
    assert.equal(RestoreEvent.safeParse({ dataset: 'a', outputPrefix: 'datasets/a' }).success, false);
    assert.equal(RestoreEvent.safeParse({ dataset: '../a', outputPrefix: 'restored/a' }).success, false);
  });
});

describe('adreel upload (against s3rver)', () => {
  let s3: LocalS3;
  let dir: string;
  before(async () => {
    s3 = await startLocalS3(['ingest']);
    dir = await mkdtemp(join(tmpdir(), 'adreel-upload-'));
    await writeSyntheticFolder(dir, { count: 3, size: 64, seed: 3 });
  });
  after(async () => {
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uploads every image, then the marker with the options, last', async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
    process.env.AWS_REGION ??= 'us-east-1';
    const order: string[] = [];
    const stop = s3.onRecord((r) => void order.push(decodeURIComponent(r.s3.object.key)));
    const code = await runUpload.run([dir, 's3://ingest/lot-7/screws'], { crf: '30', threads: '1', endpoint: s3.endpoint });
    await new Promise((r) => setTimeout(r, 200)); // s3rver events arrive over the child's stdout
    stop();
    assert.equal(code, 0);
    assert.equal(order.length, 4);
    assert.equal(order.at(-1), 'lot-7/screws/_READY');
    const { Body } = await s3.client.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: 'ingest', Key: 'lot-7/screws/_READY' }));
    // the marker records the complete, validated options (defaults filled in)
    const { options } = JSON.parse(await Body!.transformToString());
    assert.equal(options.crf, 30);
    assert.equal(options.threads, 1);
    assert.equal(options.preset, 'medium');
  });

  it('refuses bad options before uploading anything', async () => {
    await assert.rejects(runUpload.run([dir, 's3://ingest/x'], { preset: 'warp-speed', endpoint: s3.endpoint }), /--preset: expects one of ultrafast, /);
    await assert.rejects(runUpload.run([dir, 'ingest/x'], {}), /s3:\/\//);
  });
});
