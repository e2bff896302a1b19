// Run working state: one table of intermediates, each JSON one read back through its schema (no plain casts).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';
import { readState, RUN_STATE, WORK_PREFIX, writeState } from '../../../lambdas/core/run-state/index.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';

describe('run state', () => {
  let dir: string;
  let store: LocalStorage;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adreel-run-state-'));
    store = new LocalStorage(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every intermediate lives under .work/, each JSON one with its own key', () => {
    const keys = [RUN_STATE.job, RUN_STATE.items, RUN_STATE.classes, RUN_STATE.union, RUN_STATE.segments, RUN_STATE.record(1), RUN_STATE.failed(1), RUN_STATE.segment(1)].map((e) => e.key);
    assert.equal(new Set(keys).size, keys.length);
    for (const k of [...keys, RUN_STATE.aligned(1), RUN_STATE.objectMask(1), RUN_STATE.batchUnion(0, 0, 7, 'png'), RUN_STATE.groupUnion(0, 'json')]) assert.ok(k.startsWith(`${WORK_PREFIX}/`), k);
  });

  it('what is written reads back equal; a lossless segment keeps its Infinity PSNR through JSON', async () => {
    await writeState(store, RUN_STATE.classes, [{ dataset: 'a/b', class: 'b' }]);
    assert.deepEqual(await readState(store, RUN_STATE.classes), [{ dataset: 'a/b', class: 'b' }]);
    const seg = {
      index: 0, file: 'reel.mp4', firstFrame: 0, frameCount: 1, entryIndices: [0], bytes: 10, sha256: 'a'.repeat(64), pixFmt: 'gray' as const,
      ffmpeg: { version: '5.1', source: 'PATH' as const }, decodedSha256: ['b'.repeat(64)], psnrDb: [Infinity], seconds: { encode: 1, decode: 1 },
    };
    await writeState(store, RUN_STATE.segment(0), seg);
    assert.deepEqual(await readState(store, RUN_STATE.segment(0)), seg);
  });

  it('a job file re-checks its options with the options schema (crf with lossless refused there too)', async () => {
    const options = parseCompressOptions({ lossless: true });
    await store.put(RUN_STATE.job.key, Buffer.from(JSON.stringify({ version: 1, options: { ...options, crf: 20 } })));
    await assert.rejects(readState(store, RUN_STATE.job), /\.work\/job\.json: run state does not match its schema: options\.crf/);
  });

  it('a damaged or foreign intermediate is named with the problem', async () => {
    await store.put(RUN_STATE.union.key, Buffer.from('{"unionFraction": 2'));
    await assert.rejects(readState(store, RUN_STATE.union), /\.work\/union\.json: run state unreadable/);
    await store.put(RUN_STATE.record(3).key, Buffer.from('{"entryIndex": 3, "name": "x.png"}'));
    await assert.rejects(readState(store, RUN_STATE.record(3)), /records\/000003\.json: run state does not match its schema: stem/);
  });
});
