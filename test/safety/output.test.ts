// Never overwrite, all or nothing (issue 10, "Found" 1-3 and rule 1). Each case asserts the exit code, that the
// message names the path and the reason, that every input file is unchanged (sha256), and that nothing partial
// is visible.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNoStack, assertUnchanged, exists, FAST, runCli, safetyFixture, snapshot, visibleEntries } from '../helpers/safety.ts';

describe('safety: output folders', () => {
  let root: string;
  let input: string;
  let out: string;
  let inputSnap: Map<string, string>;
  let outSnap: Map<string, string>;
  before(async () => {
    ({ root, input, out, inputSnap } = await safetyFixture('adreel-safety-output-', FAST));
    outSnap = await snapshot(out);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  /** A copy of the compressed output to damage. */
  async function copyOut(name: string): Promise<string> {
    const dir = join(root, name);
    await cp(out, dir, { recursive: true });
    return dir;
  }

  it('found 1: compress out/imgs out (input inside the output) is refused; input and output unchanged', async () => {
    const o = await copyOut('f1a');
    const imgs = join(o, 'imgs');
    await cp(input, imgs, { recursive: true });
    const before = await snapshot(o);
    const r = await runCli(['compress', imgs, o, ...FAST]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${o}: the output folder contains the input folder`));
    assertNoStack(r.stderr);
    await assertUnchanged(o, before);
    assert.deepEqual(await visibleEntries(root, 'f1a'), ['f1a']);
  });

  it('found 1: the output inside the input, and an output that is a symlink into the input, are refused', async () => {
    const inside = join(input, 'out');
    const r1 = await runCli(['compress', input, inside, ...FAST]);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, new RegExp(`${inside}: the output folder is inside the input folder`));
    assertNoStack(r1.stderr);
    const link = join(root, 'link-to-in');
    await symlink(input, link);
    const r2 = await runCli(['compress', input, link, ...FAST]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`${link}: the output folder is the same folder as the input folder .*after resolving symlinks`));
    await assertUnchanged(input, inputSnap);
    assert.deepEqual(await visibleEntries(root, 'in'), ['in']);
    await rm(link);
  });

  for (const [what, add] of [
    ['a NOTES.txt', async (o: string) => writeFile(join(o, 'NOTES.txt'), 'my notes\n')],
    ['a restored/ folder', async (o: string) => {
      await mkdir(join(o, 'restored'));
      await writeFile(join(o, 'restored', '000.png'), 'x');
    }],
  ] as const) {
    it(`found 1: recompress into an output holding ${what} is refused, naming it; nothing is deleted`, async () => {
      const o = await copyOut(`f1-${what.replace(/\W+/g, '')}`);
      await add(o);
      const before = await snapshot(o);
      const r = await runCli(['compress', input, o, ...FAST]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${o}: output folder holds .*(NOTES\\.txt|restored/000\\.png).*which its manifest does not list`));
      assertNoStack(r.stderr);
      await assertUnchanged(o, before);
      await assertUnchanged(input, inputSnap);
      assert.deepEqual(await visibleEntries(root, basename(o)), [basename(o)]);
    });
  }

  it('rule 1: recompress of the same data replaces exactly the artifacts its manifest lists', async () => {
    const o = await copyOut('recompress');
    const r = await runCli(['compress', input, o, '--crf', '40', ...FAST]);
    assert.equal(r.code, 0, r.stderr);
    const v = await runCli(['verify', o]);
    assert.equal(v.code, 0, v.stdout);
    assert.deepEqual(await visibleEntries(root, 'recompress'), ['recompress']);
    await assertUnchanged(input, inputSnap);
  });

  it('found 2: a second compress into an output another live adreel holds is refused, naming the pid and the lock', async () => {
    const o = join(root, 'locked');
    const holder = spawn('sleep', ['30']);
    await writeFile(join(root, '.locked.adreel-lock'), `${holder.pid}\n`);
    try {
      const r = await runCli(['compress', input, o, ...FAST]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${o}: another adreel \\(pid ${holder.pid}\\) is writing to .*locked; wait for it`));
      assertNoStack(r.stderr);
      assert.equal(await exists(o), false);
      assert.deepEqual(await visibleEntries(root, 'locked'), ['.locked.adreel-lock'], 'only the holder\'s lock');
      await assertUnchanged(input, inputSnap);
    } finally {
      holder.kill();
    }
    // the holder is gone: its lock is stale and the next run takes it
    await new Promise((r) => setTimeout(r, 100));
    const r = await runCli(['compress', input, o, ...FAST.filter((a) => a !== '--quiet')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /removed the stale lock/);
    assert.deepEqual(await visibleEntries(root, 'locked'), ['locked']);
  });

  it('found 3: restore into a folder holding 000.png is refused; the file is unchanged', async () => {
    const dest = join(root, 'holds-000');
    await mkdir(dest);
    await writeFile(join(dest, '000.png'), 'precious');
    const r = await runCli(['restore', out, dest, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${dest}: destination is not empty \\("000\\.png"\\)`));
    assertNoStack(r.stderr);
    assert.equal(await readFile(join(dest, '000.png'), 'utf8'), 'precious');
    assert.deepEqual(await visibleEntries(root, 'holds-000'), ['holds-000']);
    await assertUnchanged(out, outSnap);
  });

  it('found 3: restore into the original input folder is refused; the originals are unchanged', async () => {
    const r = await runCli(['restore', out, input, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${input}: destination is not empty`));
    assertNoStack(r.stderr);
    await assertUnchanged(input, inputSnap);
    assert.deepEqual(await visibleEntries(root, 'in'), ['in']);
  });

  it('found 3: restore into the output folder itself (or inside it) is refused; verify still passes', async () => {
    const before = await snapshot(out);
    const r1 = await runCli(['restore', out, out, '--quiet']);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, new RegExp(`${out}: the destination is the same folder as the adreel output folder`));
    const r2 = await runCli(['restore', out, join(out, 'restored'), '--quiet']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`${out}/restored: the destination is inside the adreel output folder`));
    assertNoStack(r1.stderr + r2.stderr);
    await assertUnchanged(out, before);
    assert.deepEqual(await visibleEntries(root, 'out'), ['out']);
    assert.equal((await runCli(['verify', out])).code, 0);
  });

  it('found 3: a folder named like an output frame in the destination is refused before any file is written', async () => {
    const dest = join(root, 'dir-like-frame');
    await mkdir(join(dest, 'asymmetric-001.png'), { recursive: true });
    const before = await snapshot(dest);
    const r = await runCli(['restore', out, dest, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${dest}: destination is not empty \\("asymmetric-001\\.png"\\)`));
    assertNoStack(r.stderr);
    await assertUnchanged(dest, before);
    await assertUnchanged(out, outSnap);
    assert.deepEqual(await visibleEntries(root, 'dir-like-frame'), ['dir-like-frame']);
  });

  it('rule 1: restore publishes with one rename; --overwrite replaces only a previous restore, never foreign files', async () => {
    const dest = join(root, 'restored');
    assert.equal((await runCli(['restore', out, dest, '--quiet'])).code, 0);
    const first = await readdir(dest);
    assert.equal(first.filter((n) => n.endsWith('.png')).length, 4);
    const again = await runCli(['restore', out, dest, '--quiet']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /destination is not empty/);
    const over = await runCli(['restore', out, dest, '--frames', '0-1', '--overwrite', '--quiet']);
    assert.equal(over.code, 0, over.stderr);
    assert.equal((await readdir(dest)).filter((n) => n.endsWith('.png')).length, 2);
    await writeFile(join(dest, 'mine.txt'), 'not adreel');
    const foreign = await runCli(['restore', out, dest, '--overwrite', '--quiet']);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /--overwrite: the destination holds files no earlier adreel restore\/transform wrote \("mine\.txt"\)/);
    assert.equal(await readFile(join(dest, 'mine.txt'), 'utf8'), 'not adreel');
    assert.deepEqual(await visibleEntries(root, 'restored'), ['restored']);
  });

  it('rule 1: staging left by a killed restore is removed and named by the next run on that destination', async () => {
    const dest = join(root, 'after-kill');
    const stale = join(root, '.after-kill.adreel-staging-999999');
    await mkdir(stale);
    await writeFile(join(stale, 'asymmetric-000.png'), 'half');
    await writeFile(join(root, '.after-kill.adreel-lock'), '999999\n');
    const r = await runCli(['restore', out, dest]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /removed .*\.after-kill\.adreel-staging-999999, left by an interrupted run/);
    assert.deepEqual(await visibleEntries(root, 'after-kill'), ['after-kill']);
  });

  it('found 3: transform of a folder holding x.png and x.jpg is refused before any work, naming both', async () => {
    const tin = join(root, 'tin');
    await cp(input, tin, { recursive: true });
    const names = (await readdir(tin)).sort();
    await cp(join(tin, names[0]!), join(tin, names[0]!.replace(/\.png$/, '.jpg')));
    const before = await snapshot(tin);
    const dest = join(root, 'tout');
    const r = await runCli(['transform', out, tin, dest, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${tin}.*: .*"asymmetric-000\\.jpg" and "asymmetric-000\\.png" would both be written as asymmetric-000\\.png`));
    assertNoStack(r.stderr);
    await assertUnchanged(tin, before);
    assert.deepEqual(await visibleEntries(root, 'tout'), []);
  });

  it('rule 1: transform into its own input folder or the adreel output is refused', async () => {
    const r1 = await runCli(['transform', out, input, join(input, 't'), '--quiet']);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, new RegExp(`${input}/t: the destination is inside the input folder`));
    const r2 = await runCli(['transform', out, input, out, '--quiet']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`${out}: the destination is the same folder as the adreel output folder`));
    assertNoStack(r1.stderr + r2.stderr);
    await assertUnchanged(input, inputSnap);
    await assertUnchanged(out, outSnap);
  });
});
