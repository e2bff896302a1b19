// Effective settings (issue 10, item 3: "the manifest records what the encoder actually ran with"). The record is
// read back from the reel's x265 settings SEI, not from the arguments adreel passed; a reel whose settings x265
// changed behind the request is refused before it appears. Each case runs the real CLI.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNoStack, assertUnchanged, exists, FAST, runCli, safetyFixture, visibleEntries } from '../helpers/safety.ts';
import { DEFAULT_RATE_FPS } from '../../lambdas/core/compress/options.ts';
import { manifestFileDocument } from '../../lambdas/core/manifest.ts';

describe('safety: effective encoder settings', () => {
  let root: string;
  let input: string;
  let inputSnap: Map<string, string>;
  before(async () => {
    ({ root, input, inputSnap } = await safetyFixture('adreel-safety-effective-'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('rule 3: the manifest records what x265 ran with (--lossless, an allowed --x265 key), once per reel; inspect shows it', async () => {
    const out = join(root, 'lossless');
    const r = await runCli(['compress', input, out, ...FAST, '--lossless', '--x265', 'ctu=16', '--segment-frames', '2']);
    assert.equal(r.code, 0, r.stderr);
    const m = manifestFileDocument(await readFile(join(out, 'manifest.bin')), 'manifest.bin') as any;
    assert.equal(m.reels.length, 2, 'two segments, one shared record');
    const e = m.codec.effective;
    assert.equal(e.lossless, true);
    assert.equal(e.rc, 'cqp', 'x265 runs a lossless reel at constant QP');
    assert.equal(e.crf, undefined);
    assert.deepEqual(e.params, { ctu: '16' });
    assert.equal(e.csp, 'i400');
    assert.equal(e.bitDepth, 8);
    assert.equal(e.fps, DEFAULT_RATE_FPS);
    assert.equal(e.openGop, false, 'segments are closed GOPs');
    assert.equal(e.frameThreads, 1);
    assert.equal(e.pools, '1');
    const i = await runCli(['inspect', out]);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /x265 used {4}x265 \S+: lossless, 8-bit i400, fps 25, .*closed GOP\), frame-threads 1, pools 1; ctu=16/);
    await assertUnchanged(input, inputSnap);
  });

  it('found 8: a setting x265 changed behind the request (max-tu-size to fit ctu) is refused at encode time, one line; nothing visible', async () => {
    const out = join(root, 'adjusted');
    const r = await runCli(['compress', input, out, ...FAST, '--x265', 'ctu=16:max-tu-size=32']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${out}/reel\\.mp4: x265 ran with settings other than requested: max-tu-size 16 \\(asked 32\\);.*change the x265 parameters`));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assertNoStack(r.stderr);
    assert.equal(await exists(out), false);
    assert.deepEqual(await visibleEntries(root, 'adjusted'), []);
    await assertUnchanged(input, inputSnap);
  });
});
