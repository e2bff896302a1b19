// Each handler, created with fake deps (a local folder per bucket: the same Storage port the cloud gives them), on
// generated images: the stage handlers chained as the state machine would, then restore, restore-segment,
// transform and summarize on the published run, plus each handler's own refusals. No S3, no env, no state machine.
import '../../../infra/local/quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HandlerDeps } from '../../../lambdas/handlers/commons/deps.ts';
import { createStartHandler, type ExecutionInput } from '../../../lambdas/handlers/start.ts';
import { createDiscoverHandler, type DiscoverResult } from '../../../lambdas/handlers/discover.ts';
import { createPrepareReferenceHandler, type PrepareResult } from '../../../lambdas/handlers/prepare-reference.ts';
import { createAlignMaskHandler, type AlignResult } from '../../../lambdas/handlers/align-mask.ts';
import { createUnionMaskHandler, type UnionMaskResult } from '../../../lambdas/handlers/union-mask.ts';
import { createEncodeHandler, type EncodeSegmentResult } from '../../../lambdas/handlers/encode.ts';
import { createVerifyHandler, type VerifyResult } from '../../../lambdas/handlers/verify.ts';
import { createPublishHandler, type PublishResult } from '../../../lambdas/handlers/publish.ts';
import { createRestoreHandler, type RestoreResult } from '../../../lambdas/handlers/restore.ts';
import { createRestoreSegmentHandler, type RestoreSegmentResult } from '../../../lambdas/handlers/restore-segment.ts';
import { createTransformHandler, type TransformResult } from '../../../lambdas/handlers/transform.ts';
import { createSummarizeHandler, type SummarizeResult } from '../../../lambdas/handlers/summarize.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { fakeDeps, INGEST, markerEvent, OUTPUT } from './fakes.ts';

const DATASET = 'parts/screws';
const OPTIONS = { crf: 28, threads: 1, preset: 'ultrafast' as const, segmentFrames: 3, onAlignFailure: 'keep' as const };

let dir: string;
let deps: HandlerDeps;
const d = () => deps;
let run: { dataset: string; runId: string };

describe('handlers with fake deps (local folders as buckets)', () => {
  before(async () => {
    dir = await tempDir('adreel-handlers-');
    await writeSyntheticFolder(join(dir, INGEST, DATASET), { count: 6, size: 96, seed: 3 });
    deps = await fakeDeps(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('start: a marker starts one execution with the checked options; a marker of another bucket is refused', async () => {
    await deps.ingest.put(`${DATASET}/_READY`, Buffer.from(JSON.stringify({ options: OPTIONS })));
    const inputs: ExecutionInput[] = [];
    const start = createStartHandler(d, () => async (_name, input) => (inputs.push(input), true));
    const r = await start(markerEvent(INGEST, `${DATASET}/_READY`));
    assert.equal(r.started, true);
    assert.equal(inputs.length, 1);
    assert.equal(inputs[0].dataset, DATASET);
    assert.equal(inputs[0].options.crf, 28);
    run = { dataset: DATASET, runId: inputs[0].runId };
    await assert.rejects(start(markerEvent('other', `${DATASET}/_READY`)), /this stack ingests ingest/);
    // the same marker version again maps to the same name
    const again = await start(markerEvent(INGEST, `${DATASET}/_READY`));
    assert.equal(again.executionName, r.executionName);
  });

  it('discover: a folder of images is one class, written to the work prefix', async () => {
    const r = (await createDiscoverHandler(d)({ ...run, options: OPTIONS })) as DiscoverResult;
    assert.equal(r.classCount, 1);
    assert.deepEqual(r.classes, [null]);
    assert.equal(r.classesBucket, OUTPUT);
    assert.ok((await deps.output().head(r.classesKey))?.bytes);
  });

  it('the stage handlers chained: prepare-reference, align-mask (batch), union-mask, encode, verify, publish', async () => {
    const prepared = (await createPrepareReferenceHandler(d)({ ...run, options: OPTIONS })) as PrepareResult;
    assert.equal(prepared.imageCount, 6);
    const align = createAlignMaskHandler(d);
    const items = Array.from({ length: 6 }, (_, index) => ({ index }));
    const a1 = (await align({ BatchInput: run, Items: items.slice(0, 4) })) as AlignResult;
    const a2 = (await align({ BatchInput: run, Items: items.slice(4) })) as AlignResult;
    assert.equal(a1.processed + a2.processed, 6);
    assert.ok(a1.partialUnion);
    await assert.rejects(align({ ...run, index: 99 }), /beyond the 6 images/);
    const union = (await createUnionMaskHandler(d)(run)) as UnionMaskResult;
    assert.equal(union.frames, 6);
    assert.deepEqual(union.segments, [0, 1]);
    const encode = createEncodeHandler(d);
    const verify = createVerifyHandler(d);
    for (const segment of union.segments) {
      const e = (await encode({ ...run, segment })) as EncodeSegmentResult;
      assert.equal(e.frames, 3);
      const v = (await verify({ ...run, segment })) as VerifyResult;
      assert.deepEqual(v.reelSha256, [e.sha256]);
    }
    await assert.rejects(verify({ ...run, segment: 7 }), /segment 7 does not exist/);
    const p = (await createPublishHandler(d)(run)) as PublishResult;
    assert.equal(p.frames, 6);
    assert.equal(p.pointerKey, `datasets/${DATASET}/LATEST.json`);
  });

  it('restore: every frame and the SageMaker manifest, last; restore-segment: one segment; a planned-for manifest that changed is refused', async () => {
    const r = (await createRestoreHandler(d, () => undefined)({ dataset: DATASET, outputPrefix: 'restored/all/' })) as RestoreResult;
    assert.equal(r.frames, 6);
    assert.equal(r.fanOut, 'in-process');
    const files = (await readdir(join(dir, OUTPUT, 'restored', 'all'))).sort();
    assert.equal(files.filter((f) => f.endsWith('.png')).length, 6);
    assert.ok(files.includes('adreel.manifest'));
    // fan-out through the (fake) invoker: the real restore-segment handler, once per segment
    const segmentHandler = createRestoreSegmentHandler(d);
    const seen: number[] = [];
    const fanned = (await createRestoreHandler(d, () => async (event) => (seen.push(event.segment), (await segmentHandler(event)) as RestoreSegmentResult))({
      dataset: DATASET,
      outputPrefix: 'restored/fan',
    })) as RestoreResult;
    assert.equal(fanned.fanOut, 'lambda');
    assert.deepEqual(seen.sort(), [0, 1]);
    await assert.rejects(
      segmentHandler({ dataset: DATASET, runId: run.runId, manifestSha256: '0'.repeat(64), outputPrefix: 'restored/x', segment: 0, frames: { first: 0, last: 2 } }),
      /differs from the one the restore was planned with/,
    );
  });

  it('transform: new images through the published geometry, with transforms.json; summarize: one summary over the classes', async () => {
    await mkdir(join(dir, INGEST, 'new'), { recursive: true });
    await writeSyntheticFolder(join(dir, INGEST, 'new'), { count: 2, size: 96, seed: 9 });
    const t = (await createTransformHandler(d)({ dataset: DATASET, inputPrefix: 'new', outputPrefix: 'transformed/new' })) as TransformResult;
    assert.equal(t.images, 2);
    assert.ok(await deps.output().head(t.reportKey));
    const s = (await createSummarizeHandler(d)(run)) as SummarizeResult;
    assert.equal(s.classes, 1);
    assert.equal(s.frames, 6);
  });

  it('discover: an MVTec root of several categories is one class per category; a category that is no usable name is refused naming it', async () => {
    for (const c of ['bottle', 'screw']) await writeSyntheticFolder(join(dir, INGEST, 'root', c, 'train', 'good'), { count: 1, size: 32, seed: 1 });
    const r = (await createDiscoverHandler(d)({ dataset: 'root', runId: 'r1' })) as DiscoverResult;
    assert.deepEqual(r.classes, ['bottle', 'screw']);
    await writeSyntheticFolder(join(dir, INGEST, 'root2', 'bad name', 'train', 'good'), { count: 1, size: 32, seed: 1 });
    await assert.rejects(createDiscoverHandler(d)({ dataset: 'root2', runId: 'r2' }), /category "bad name" is not a usable name/);
  });
});

describe('align-mask with fake deps: invocations of two runs at once in one process (a local interpreter)', () => {
  let root: string;
  let twoDeps: HandlerDeps;
  before(async () => {
    root = await tempDir('adreel-handlers-two-');
    for (const [i, name] of ['plant/a', 'plant/b'].entries()) await writeSyntheticFolder(join(root, INGEST, name), { count: 6, size: 96, seed: 20 + i });
    twoDeps = await fakeDeps(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("a run's worker is not closed while another run's invocation is using it: every image aligns", async () => {
    const runs = ['plant/a', 'plant/b'].map((dataset) => ({ dataset, runId: `${dataset.replace('/', '-')}-run` }));
    for (const r of runs) {
      await createDiscoverHandler(() => twoDeps)({ ...r, options: OPTIONS });
      await createPrepareReferenceHandler(() => twoDeps)({ ...r, options: OPTIONS });
    }
    // run a's batch stops before reading its second image until run b's invocation (which replaces the cached
    // worker) has finished
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ingest = twoDeps.ingest;
    let aReads = 0;
    const gated: HandlerDeps = {
      ...twoDeps,
      ingest: Object.assign(Object.create(Object.getPrototypeOf(ingest)), ingest, {
        get: async (key: string) => {
          if (key.startsWith('plant/a/') && key.endsWith('.png') && ++aReads === 2) await gate;
          return ingest.get(key);
        },
      }),
    };
    const align = createAlignMaskHandler(() => gated);
    const first = align({ BatchInput: runs[0], Items: [0, 1, 2].map((index) => ({ index })) });
    while (aReads < 2) await new Promise((r) => setTimeout(r, 5));
    const other = (await align({ BatchInput: runs[1], Items: [0, 1, 2].map((index) => ({ index })) })) as AlignResult;
    release();
    const a = (await first) as AlignResult;
    assert.deepEqual([a.processed, a.failed, other.processed, other.failed], [3, 0, 3, 0]);
    // and run a again, after run b: its worker is opened anew
    const again = (await align({ BatchInput: runs[0], Items: [{ index: 3 }] })) as AlignResult;
    assert.deepEqual([again.processed, again.failed], [1, 0]);
  });
});
