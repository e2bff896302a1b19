// Manifest integrity (issue 10, "Found" 4 and rule 2): a v2 manifest is sealed by a digest that verify and restore
// check; a v1 manifest (fixture made from generated images by the v1 code) is still read, verified and restored.
import assert from 'node:assert/strict';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../lambdas/core/hash.ts';
import { manifestDocument } from '../../lambdas/core/manifest.ts';
import { packManifest } from '../../lambdas/core/manifest-pack.ts';
import { assertNoStack, assertUnchanged, FAST, runCli, safetyFixture, snapshot, visibleEntries } from '../helpers/safety.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

describe('safety: manifest', () => {
  let root: string;
  let out: string;
  before(async () => {
    ({ root, out } = await safetyFixture('adreel-safety-manifest-', [...FAST, '--segment-frames', '2']));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  // Fixtures made from generated images by the v1 and the v2 code (v2: compact reference, 1-bit masks, 2 segments).
  for (const version of [1, 2]) {
    it(`v${version} fixture: verify passes and restore writes the frames the v${version} code wrote`, async () => {
      const fixture = join(FIXTURES, `manifest-v${version}`);
      assert.equal(JSON.parse(await readFile(join(fixture, 'manifest.json'), 'utf8')).version, version);
      const v = await runCli(['verify', fixture]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const dest = join(root, `v${version}-restored`);
      const r = await runCli(['restore', fixture, dest, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      const expected = (await readFile(join(FIXTURES, `manifest-v${version}.restored.sha256`), 'utf8')).trim().split('\n').map((l) => l.split(/\s+/)).map(([h, n]) => [n, h]);
      const actual = await Promise.all((await readdir(dest)).sort().map(async (n) => [n, sha256(await readFile(join(dest, n)))]));
      assert.deepEqual(actual, expected);
    });
  }

  it('rule 2: a v3 manifest is one line: a packed document with a digest, per-segment frame digests, no per-frame hashes', async () => {
    const text = await readFile(join(out, 'manifest.json'), 'utf8');
    assert.equal(text.trimEnd().includes('\n'), false);
    const envelope = JSON.parse(text);
    assert.deepEqual(Object.keys(envelope), ['schema', 'version', 'encoding', 'document']);
    assert.equal(envelope.version, 3);
    const m = manifestDocument(envelope, 'manifest.json') as any;
    assert.match(m.digest, /^[0-9a-f]{64}$/);
    for (const r of m.reels) assert.match(r.framesSha256, /^[0-9a-f]{64}$/);
    for (const f of m.frames) assert.equal(f.decodedSha256 ?? f.source.sha256, undefined);
  });

  it('rule 2: verify --expect-digest catches a manifest rewritten together with its digest', async () => {
    const m = manifestDocument(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')), 'manifest.json') as any;
    assert.equal((await runCli(['verify', out, '--expect-digest', m.digest, '--quiet'])).code, 0);
    const other = m.digest.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    const before = await snapshot(out);
    const v = await runCli(['verify', out, '--expect-digest', other, '--quiet']);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /manifest\.json: .*digest/);
    assertNoStack(v.stderr);
    await assertUnchanged(out, before);
  });

  // Found 4: each edit was called intact by verify and changed what restore writes.
  const edits: [string, (m: any) => void][] = [
    ['two frames\' names and stems swapped', (m) => {
      [m.frames[0].name, m.frames[1].name] = [m.frames[1].name, m.frames[0].name];
      [m.frames[0].stem, m.frames[1].stem] = [m.frames[1].stem, m.frames[0].stem];
    }],
    ['a stem renamed', (m) => { m.frames[0].stem = 'renamed'; }],
    ['the last frame record dropped with the counts lowered', (m) => {
      m.frames.pop();
      m.dataset.frameCount -= 1;
      m.reels[m.reels.length - 1].frameCount -= 1;
    }],
    ['a transform edited', (m) => { m.frames[1].transform[2] += 1; }],
    ['the crf edited', (m) => { m.codec.crf = 0; }],
    ['the effective settings edited (codec.effective.crf)', (m) => { m.codec.effective.crf = 0; }],
  ];
  for (const [what, edit] of edits) {
    it(`found 4: ${what}: verify exits 1 and restore refuses, naming manifest.json and the digest`, async () => {
      const copy = join(root, `edit-${what.replace(/\W+/g, '-')}`);
      await cp(out, copy, { recursive: true });
      const m = manifestDocument(JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8')), 'manifest.json');
      edit(m);
      await writeFile(join(copy, 'manifest.json'), JSON.stringify(packManifest(m)));
      const before = await snapshot(copy);
      const v = await runCli(['verify', copy]);
      assert.equal(v.code, 1);
      assert.match(v.stdout + v.stderr, /manifest\.json: content digest .* differs from the recorded "digest" .*edited or damaged/);
      const dest = join(root, `dest-${what.replace(/\W+/g, '-')}`);
      const r = await runCli(['restore', copy, dest, '--quiet']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /manifest\.json: content digest .*edited or damaged/);
      assertNoStack(r.stderr + v.stderr);
      await assertUnchanged(copy, before);
      assert.deepEqual(await visibleEntries(root, `dest-${what.replace(/\W+/g, '-')}`), []);
    });
  }
});
