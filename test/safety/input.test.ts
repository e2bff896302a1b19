// Messages up front (issue 10, "Found" 9 and rule 6): Unicode-normalisation and case collisions, dangling symlinks
// and mixed sizes are found in the first pass over the input, before any alignment, and named; in a multi-class run
// the error names the class, the other classes' outputs stay complete, and summary.json marks the failed class.
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { assertNoStack, assertUnchanged, FAST as FAST_QUIET, runCli, safetyFixture, snapshot, visibleEntries } from '../helpers/safety.ts';

/** with progress lines: the mixed-sizes case reads the warning */
const FAST = FAST_QUIET.filter((a) => a !== '--quiet');

describe('safety: input checked up front', () => {
  let root: string;
  let input: string;
  before(async () => {
    ({ root, input } = await safetyFixture('adreel-safety-input-'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  async function variant(name: string, edit: (dir: string) => Promise<void>): Promise<string> {
    const dir = join(root, name);
    await cp(input, dir, { recursive: true });
    await edit(dir);
    return dir;
  }

  it('found 9: café in NFC and NFD is refused before any alignment, naming both forms', async () => {
    const dir = await variant('unicode', async (d) => {
      const [a, b] = (await readdir(d)).sort();
      await rename(join(d, a!), join(d, 'caf\u00e9.png'));
      await rename(join(d, b!), join(d, 'cafe\u0301.png'));
    });
    const before = await snapshot(dir);
    const r = await runCli(['compress', dir, join(root, 'unicode-out'), ...FAST]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unicode\/: names collide after case folding, Unicode normalisation \(NFC\/NFD\).*"caf.*\.png" and "caf.*\.png" would both restore to .*\(the same name in two Unicode forms\)/);
    assert.equal(/align/.test(r.stderr.replace(/normalisation/, '')), false, 'refused before alignment');
    assertNoStack(r.stderr);
    await assertUnchanged(dir, before);
    assert.deepEqual(await visibleEntries(root, 'unicode-out'), []);
  });

  it('rule 6: names that differ only in letter case are refused up front', async () => {
    const dir = await variant('case', async (d) => {
      const [a, b] = (await readdir(d)).sort();
      await rename(join(d, a!), join(d, 'Part.png'));
      await rename(join(d, b!), join(d, 'part.png'));
    });
    const before = await snapshot(dir);
    const r = await runCli(['compress', dir, join(root, 'case-out'), ...FAST]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${dir}/?: .*"Part\\.png" and "part\\.png" would both restore to part\\.png`));
    assertNoStack(r.stderr);
    await assertUnchanged(dir, before);
    assert.deepEqual(await visibleEntries(root, 'case-out'), []);
  });

  it('found 9: a dangling symlink is named, not skipped', async () => {
    const dir = await variant('dangling', async (d) => symlink(join(root, 'gone.png'), join(d, 'zz-link.png')));
    const before = await snapshot(dir);
    const r = await runCli(['compress', dir, join(root, 'dangling-out'), ...FAST]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dangling\/zz-link\.png: is a symbolic link to .*gone\.png, which does not exist; restore the target or remove the link/);
    assertNoStack(r.stderr);
    await assertUnchanged(dir, before);
    assert.deepEqual(await visibleEntries(root, 'dangling-out'), []);
  });

  it('found 9: mixed sizes are announced before alignment (and refused with --no-align)', async () => {
    const dir = await variant('mixed', async (d) => {
      const name = (await readdir(d)).sort()[1]!;
      const resized = await sharp(join(d, name)).resize(96, 96).png().toBuffer();
      await writeFile(join(d, name), resized);
    });
    const before = await snapshot(dir);
    const r1 = await runCli(['compress', dir, join(root, 'mixed-noalign'), '--no-align', ...FAST]);
    assert.equal(r1.code, 1);
    assertNoStack(r1.stderr);
    await assertUnchanged(dir, before);
    assert.match(r1.stderr, /\/mixed: images of mixed sizes: 3 at 128x128 \(e\.g\. .*\), 1 at 96x96 \(e\.g\. asymmetric-001\.png\): mixed sizes need alignment/);
    assert.deepEqual(await visibleEntries(root, 'mixed-noalign'), []);
    const r2 = await runCli(['compress', dir, join(root, 'mixed-out'), ...FAST, '--on-align-failure', 'keep']);
    const warning = r2.stderr.indexOf('images of mixed sizes: 3 at 128x128');
    assert.ok(warning >= 0, r2.stderr);
    await assertUnchanged(dir, before);
  });

  it('found 9: in a multi-class run one corrupt class is named; the other class stays complete; summary.json marks it', async () => {
    const mvtec = join(root, 'mvtec');
    await cp(input, join(mvtec, 'good-class', 'train', 'good'), { recursive: true });
    await cp(input, join(mvtec, 'bad-class', 'train', 'good'), { recursive: true });
    const corrupt = join(mvtec, 'bad-class', 'train', 'good', 'asymmetric-002.png');
    await writeFile(corrupt, (await readFile(corrupt)).subarray(0, 200));
    const before = await snapshot(mvtec);
    const out = join(root, 'mvtec-out');
    const r = await runCli(['compress', mvtec, out, ...FAST, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /1 of 2 classes failed: class "bad-class": .*asymmetric-002\.png/);
    assertNoStack(r.stderr);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(summary.failed.map((f: { class: string }) => f.class), ['bad-class']);
    assert.deepEqual(summary.classes.map((c: { class: string }) => c.class), ['good-class']);
    assert.equal((await runCli(['verify', join(out, 'good-class')])).code, 0);
    assert.deepEqual(await visibleEntries(out, 'bad-class'), []);
    await assertUnchanged(mvtec, before);
  });
});
