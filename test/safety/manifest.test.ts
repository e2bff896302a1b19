// Manifest integrity (issue 10, "Found" 4 and rule 2; issue 14, binary v4): a manifest is sealed by a digest that
// verify and restore check; a v4 file (manifest.bin) also refuses any damaged byte; v1, v2 and v3 outputs (fixtures
// made from generated images by the v1, v2 and v3 code) are still read, verified, restored and recompressed over.
import assert from 'node:assert/strict';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../lambdas/core/hash.ts';
import { manifestFileDocument } from '../../lambdas/core/manifest.ts';
import { packManifestFile, unpackManifestFile } from '../../lambdas/core/manifest-pack.ts';
import { assertNoStack, assertUnchanged, FAST, runCli, safetyFixture, snapshot, visibleEntries } from '../helpers/safety.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

describe('safety: manifest', () => {
  let root: string;
  let out: string;
  let input: string;
  before(async () => {
    ({ root, out, input } = await safetyFixture('adreel-safety-manifest-', [...FAST, '--segment-frames', '2']));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  // Fixtures made from generated images by the v1, v2 and v3 code (v2: compact reference, 2 segments; v3: packed
  // manifest, packed masks). The v3 fixture's input is the generated input of safetyFixture (same dataset id).
  for (const version of [1, 2, 3]) {
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

  it('v3 fixture: inspect reads it, and --reuse-alignment rebuilds from it (a v4 output with the same frames)', async () => {
    const fixture = join(FIXTURES, 'manifest-v3');
    const i = await runCli(['inspect', fixture]);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /manifest/);
    const rebuilt = join(root, 'v3-reused');
    const r = await runCli(['compress', input, rebuilt, ...FAST, '--reuse-alignment', fixture]);
    assert.equal(r.code, 0, r.stderr);
    const a = manifestFileDocument(await readFile(join(fixture, 'manifest.json')), 'manifest.json') as any;
    const b = manifestFileDocument(await readFile(join(rebuilt, 'manifest.bin')), 'manifest.bin') as any;
    assert.equal(b.version, 4);
    // the same frames with the same transforms (the reel order may differ: the fixture was segmented)
    const byName = (frames: any[]) => frames.map(({ index: _i, ...f }) => f).sort((x, y) => (x.name < y.name ? -1 : 1));
    assert.deepEqual(byName(b.frames), byName(a.frames));
    assert.deepEqual((await readdir(rebuilt)).filter((f) => f.startsWith('manifest')), ['manifest.bin']);
  });

  it('output safety: a recompress into a v3 output replaces its manifest.json by manifest.bin (one manifest left)', async () => {
    const over = join(root, 'over-v3');
    await cp(join(FIXTURES, 'manifest-v3'), over, { recursive: true });
    const r = await runCli(['compress', input, over, ...FAST]);
    assert.equal(r.code, 0, r.stderr);
    const files = (await readdir(over)).sort();
    assert.deepEqual(files.filter((f) => f.startsWith('manifest')), ['manifest.bin']);
    assert.deepEqual(files, ['manifest.bin', 'mask.bin', 'reel.mp4', 'reference-mask.bin', 'reference.webp']);
    assert.equal((await runCli(['verify', over, '--quiet'])).code, 0);
  });

  it('an output holding both manifest.bin and manifest.json is refused by verify and restore, naming both', async () => {
    const both = join(root, 'both');
    await cp(out, both, { recursive: true });
    await cp(join(FIXTURES, 'manifest-v3', 'manifest.json'), join(both, 'manifest.json'));
    const before = await snapshot(both);
    const v = await runCli(['verify', both]);
    assert.equal(v.code, 1);
    assert.match(v.stdout + v.stderr, /holds both manifest\.bin and manifest\.json/);
    const r = await runCli(['restore', both, join(root, 'both-dest'), '--quiet']);
    assert.equal(r.code, 1);
    assertNoStack(v.stderr + r.stderr);
    await assertUnchanged(both, before);
  });

  it('rule 2: a v4 manifest is binary: a header line, then the packed document with a digest and per-segment frame digests', async () => {
    assert.deepEqual((await readdir(out)).filter((f) => f.startsWith('manifest')), ['manifest.bin']);
    const bytes = await readFile(join(out, 'manifest.bin'));
    assert.equal(bytes.subarray(0, 18).toString('latin1'), 'adreel.manifest 4\n');
    const m = manifestFileDocument(bytes, 'manifest.bin') as any;
    assert.equal(m.version, 4);
    assert.match(m.digest, /^[0-9a-f]{64}$/);
    for (const r of m.reels) assert.match(r.framesSha256, /^[0-9a-f]{64}$/);
    for (const f of m.frames) assert.equal(f.decodedSha256 ?? f.source.sha256, undefined);
  });

  it('issue 14: a flipped byte anywhere in manifest.bin is refused by verify and restore with one line naming it', async () => {
    const bytes = await readFile(join(out, 'manifest.bin'));
    // the header line, the payload sha256, the start, middle and end of the brotli bytes
    for (const at of [3, 17, 18, 40, 60, bytes.length >> 1, bytes.length - 1]) {
      const copy = join(root, `flip-${at}`);
      await cp(out, copy, { recursive: true });
      const damaged = Buffer.from(bytes);
      damaged[at] ^= 0x04;
      await writeFile(join(copy, 'manifest.bin'), damaged);
      const v = await runCli(['verify', copy]);
      assert.equal(v.code, 1, `byte ${at}`);
      assert.match(v.stdout + v.stderr, /manifest\.bin: /, `byte ${at}`);
      const r = await runCli(['restore', copy, join(root, `flip-dest-${at}`), '--quiet']);
      assert.equal(r.code, 1, `byte ${at}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /manifest\.bin: .*(damaged|not an adreel manifest)/);
      assertNoStack(r.stderr + v.stderr);
      assert.deepEqual(await visibleEntries(root, `flip-dest-${at}`), []);
    }
  });

  it('rule 2: verify --expect-digest catches a manifest rewritten together with its digest', async () => {
    const m = manifestFileDocument(await readFile(join(out, 'manifest.bin')), 'manifest.bin') as any;
    assert.equal((await runCli(['verify', out, '--expect-digest', m.digest, '--quiet'])).code, 0);
    assert.equal((await runCli(['verify', join(FIXTURES, 'manifest-v3'), '--expect-digest', (manifestFileDocument(await readFile(join(FIXTURES, 'manifest-v3', 'manifest.json')), 'manifest.json') as any).digest, '--quiet'])).code, 0);
    const other = m.digest.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    const before = await snapshot(out);
    const v = await runCli(['verify', out, '--expect-digest', other, '--quiet']);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /manifest\.bin: .*digest/);
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
    it(`found 4: ${what}: verify exits 1 and restore refuses, naming manifest.bin and the digest`, async () => {
      const copy = join(root, `edit-${what.replace(/\W+/g, '-')}`);
      await cp(out, copy, { recursive: true });
      const m = unpackManifestFile(await readFile(join(copy, 'manifest.bin')), 'manifest.bin');
      edit(m);
      await writeFile(join(copy, 'manifest.bin'), packManifestFile(m));
      const before = await snapshot(copy);
      const v = await runCli(['verify', copy]);
      assert.equal(v.code, 1);
      assert.match(v.stdout + v.stderr, /manifest\.bin: content digest .* differs from the recorded "digest" .*edited or damaged/);
      const dest = join(root, `dest-${what.replace(/\W+/g, '-')}`);
      const r = await runCli(['restore', copy, dest, '--quiet']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /manifest\.bin: content digest .*edited or damaged/);
      assertNoStack(r.stderr + v.stderr);
      await assertUnchanged(copy, before);
      assert.deepEqual(await visibleEntries(root, `dest-${what.replace(/\W+/g, '-')}`), []);
    });
  }
});
