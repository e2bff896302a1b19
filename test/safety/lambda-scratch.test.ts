// Lambda scratch (issue 10, rule 5: "in Lambda, a per-invocation folder under /tmp removed in finally"). Every
// handler runs inside one folder `adreel-lambda-<handler>-<pid>-<hex>` under the OS temp folder; after each handler
// kind, on success and after a thrown error (injected: "mock" storage faults), the temp folder holds nothing new.
// Fakes: a local folder per bucket (test/unit/handlers/fakes.ts); TMPDIR points at a fresh folder for this process.
import '../../infra/local/quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HandlerDeps } from '../../lambdas/handlers/commons/deps.ts';
import type { Storage } from '../../lambdas/ground/storage.ts';
import { createStartHandler, type ExecutionInput } from '../../lambdas/handlers/start.ts';
import { createDiscoverHandler } from '../../lambdas/handlers/discover.ts';
import { createPrepareReferenceHandler } from '../../lambdas/handlers/prepare-reference.ts';
import { createAlignMaskHandler } from '../../lambdas/handlers/align-mask.ts';
import { createUnionMaskHandler, type UnionMaskResult } from '../../lambdas/handlers/union-mask.ts';
import { createEncodeHandler } from '../../lambdas/handlers/encode.ts';
import { createVerifyHandler } from '../../lambdas/handlers/verify.ts';
import { createPublishHandler } from '../../lambdas/handlers/publish.ts';
import { createRestoreHandler, type SegmentInvoker } from '../../lambdas/handlers/restore.ts';
import { createRestoreSegmentHandler, type RestoreSegmentEvent, type RestoreSegmentResult } from '../../lambdas/handlers/restore-segment.ts';
import { createTransformHandler } from '../../lambdas/handlers/transform.ts';
import { createSummarizeHandler } from '../../lambdas/handlers/summarize.ts';
import { tempDir, writeSyntheticFolder } from '../helpers/synthetic-folder.ts';
import { assertUnchanged, snapshot } from '../helpers/safety.ts';
import { fakeDeps, INGEST, markerEvent } from '../unit/handlers/fakes.ts';

const DATASET = 'parts/screws';
const OPTIONS = { crf: 28, threads: 1, preset: 'ultrafast' as const, segmentFrames: 3, onAlignFailure: 'keep' as const };
type Method = 'get' | 'put' | 'putFile' | 'getFile';

describe('safety: Lambda handlers keep their temporary files in one per-invocation folder under /tmp', () => {
  let root: string;
  let tmp: string;
  let savedTmp: string | undefined;
  let base: HandlerDeps;
  /** local paths handed to putFile/getFile, per handler call */
  let localPaths: string[] = [];
  /** keys written through put/putFile, in order */
  let putKeys: string[] = [];
  /** the storage method that fails (after doing its work, so the temporary file exists), or none */
  let fault: { method: Method; match: RegExp } | undefined;
  let run: { dataset: string; runId: string };

  const watched = (s: Storage): Storage =>
    new Proxy(s, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (prop === 'putFile' || prop === 'getFile') localPaths.push(String(args[1]));
          if (prop === 'put' || prop === 'putFile') putKeys.push(String(args[0]));
          const result = await value.apply(target, args);
          if (fault && prop === fault.method && fault.match.test(String(args[0]))) throw new Error(`mock fault: ${String(prop)} ${String(args[0])}`);
          return result;
        };
      },
    });
  const d = (): HandlerDeps => ({ ...base, ingest: watched(base.ingest), output: (prefix?: string) => watched(base.output(prefix)) });

  /** Calls a handler, then checks the temp folder holds nothing and every local file went into its invocation folder. */
  async function clean<T>(name: string, call: () => Promise<T>): Promise<T> {
    localPaths = [];
    try {
      return await call();
    } finally {
      assert.deepEqual(await readdir(tmp), [], `${name} left files in the temp folder`);
      for (const p of localPaths) assert.match(p, new RegExp(`^${tmp}/adreel-lambda-${name}-${process.pid}-[0-9a-f]{12}/`), `${name} wrote ${p} outside its invocation folder`);
    }
  }
  async function failsClean(name: string, f: typeof fault, call: () => Promise<unknown>): Promise<void> {
    fault = f;
    try {
      await assert.rejects(clean(name, call), /mock fault/);
      assert.ok(localPaths.length > 0 || f?.method === 'put', `${name}: the fault came after a local temporary file was written`);
    } finally {
      fault = undefined;
    }
  }

  before(async () => {
    root = await tempDir('adreel-safety-lambda-scratch-');
    await writeSyntheticFolder(join(root, INGEST, DATASET), { count: 6, size: 96, seed: 3 });
    await writeSyntheticFolder(join(root, INGEST, 'new'), { count: 2, size: 96, seed: 9 });
    base = await fakeDeps(root);
    tmp = join(root, 'tmp');
    await mkdir(tmp);
    savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    await base.ingest.put(`${DATASET}/_READY`, Buffer.from(JSON.stringify({ options: OPTIONS })));
    const inputs: ExecutionInput[] = [];
    await createStartHandler(d, () => async (_n, input) => (inputs.push(input), true))(markerEvent(INGEST, `${DATASET}/_READY`));
    run = { dataset: DATASET, runId: inputs[0].runId };
  });
  after(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await rm(root, { recursive: true, force: true });
  });

  let segments: number[] = [];
  it('rule 5: the stage handlers (discover, prepare-reference, align-mask, union-mask, encode, verify, publish) leave /tmp as they found it', async () => {
    await clean('discover', () => createDiscoverHandler(d)({ ...run, options: OPTIONS }));
    await clean('prepareReference', () => createPrepareReferenceHandler(d)({ ...run, options: OPTIONS }));
    await clean('alignMask', () => createAlignMaskHandler(d)({ BatchInput: run, Items: Array.from({ length: 6 }, (_, index) => ({ index })) }));
    segments = ((await clean('unionMask', () => createUnionMaskHandler(d)(run))) as UnionMaskResult).segments;
    for (const segment of segments) {
      await clean('encode', () => createEncodeHandler(d)({ ...run, segment }));
      assert.ok(localPaths.some((p) => p.endsWith('.mp4')), 'encode wrote its reel locally first');
      await clean('verify', () => createVerifyHandler(d)({ ...run, segment }));
      assert.ok(localPaths.length > 0, 'verify fetched the segment to a local file');
    }
    await clean('publish', () => createPublishHandler(d)(run));
    await clean('summarize', () => createSummarizeHandler(d)(run));
  });

  it('rule 5 (mock storage faults): encode and verify that throw after writing their local reel leave /tmp as they found it', async () => {
    await failsClean('encode', { method: 'putFile', match: /\.mp4$/ }, () => createEncodeHandler(d)({ ...run, segment: segments[0] }));
    await failsClean('verify', { method: 'getFile', match: /\.mp4$/ }, () => createVerifyHandler(d)({ ...run, segment: segments[0] }));
  });

  let segmentEvent: RestoreSegmentEvent | undefined;
  it('rule 5: restore (in process and fanned out), restore-segment and transform leave /tmp as they found it', async () => {
    await clean('restore', () => createRestoreHandler(d, () => undefined)({ dataset: DATASET, outputPrefix: 'restored/all/' }));
    assert.ok(localPaths.some((p) => p.endsWith('.mp4')), 'restore decoded from a local copy');
    const segmentHandler = createRestoreSegmentHandler(d);
    const invoker = (): SegmentInvoker => async (event) => {
      segmentEvent ??= event;
      return (await segmentHandler(event)) as RestoreSegmentResult;
    };
    // the fanned-out segments run inside the restore's own invocation here, so they are checked one by one below
    await createRestoreHandler(d, invoker)({ dataset: DATASET, outputPrefix: 'restored/fan/' });
    assert.deepEqual(await readdir(tmp), []);
    await clean('restoreSegment', () => segmentHandler({ ...segmentEvent!, outputPrefix: 'restored/one/' }));
    await clean('transform', () => createTransformHandler(d)({ dataset: DATASET, inputPrefix: 'new', outputPrefix: 'transformed/new' }));
  });

  it('rule 1: cloud restore and transform refuse a non-empty outputPrefix unless "overwrite": true; adreel.manifest is written last', async () => {
    const restored = join(root, 'output', 'restored', 'all');
    const before = await snapshot(restored);
    await assert.rejects(createRestoreHandler(d, () => undefined)({ dataset: DATASET, outputPrefix: 'restored/all/' }), (e: Error) => {
      assert.match(e.message, /restored\/all\/?: output prefix is not empty \(\d+ objects: .*\); choose a new prefix, or pass "overwrite": true/);
      return true;
    });
    await assert.rejects(createTransformHandler(d)({ dataset: DATASET, inputPrefix: 'new', outputPrefix: 'transformed/new' }), /transformed\/new\/?: output prefix is not empty/);
    await assertUnchanged(restored, before);
    putKeys = [];
    await createRestoreHandler(d, () => undefined)({ dataset: DATASET, outputPrefix: 'restored/all/', overwrite: true });
    assert.equal(putKeys.at(-1), 'adreel.manifest');
    assert.ok(putKeys.filter((k) => k.endsWith('.png')).length > 0);
  });

  it('rule 5 (mock storage faults): restore, restore-segment and transform that throw mid-way leave /tmp as they found it', async () => {
    await failsClean('restore', { method: 'getFile', match: /\.mp4$/ }, () => createRestoreHandler(d, () => undefined)({ dataset: DATASET, outputPrefix: 'restored/fault/' }));
    await failsClean('restoreSegment', { method: 'getFile', match: /\.mp4$/ }, () => createRestoreSegmentHandler(d)({ ...segmentEvent!, outputPrefix: 'restored/fault-one/' }));
    await failsClean('transform', { method: 'put', match: /\.png$/ }, () => createTransformHandler(d)({ dataset: DATASET, inputPrefix: 'new', outputPrefix: 'transformed/fault' }));
  });

  it('rule 5: a folder left by a dead invocation (timeout, out of memory) is removed by the next one; a live process\'s stays', async () => {
    const dead = join(tmp, 'adreel-lambda-encode-999999999-0123456789ab');
    const alive = join(tmp, `adreel-lambda-encode-${process.ppid}-0123456789ab`);
    const foreign = join(tmp, 'someone-elses');
    for (const dir of [dead, alive, foreign]) await mkdir(join(dir, 'sub'), { recursive: true });
    await createSummarizeHandler(d)(run);
    assert.deepEqual((await readdir(tmp)).sort(), ['adreel-lambda-encode-' + process.ppid + '-0123456789ab', 'someone-elses'].sort());
    await rm(alive, { recursive: true });
    await rm(foreign, { recursive: true });
  });
});
