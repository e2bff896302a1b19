// Faults (issue 10, "Found" 6-8 and rule 5): a full disk, a read-only file system, no permission, a folder where a
// file belongs, a missing input, a hung ffmpeg, SIGINT/SIGTERM and SIGKILL. Each: non-zero exit, one line naming the
// path and what to do, no stack trace, inputs unchanged, nothing partial visible. ENOSPC and EROFS are real (a small
// tmpfs in a private mount namespace, `unshare -m`); EACCES and EISDIR are injected ("mock").
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processAlive } from '../../lambdas/core/output-safety.ts';
import { assertNoStack, assertUnchanged, CLI, FAST, runCli, safetyFixture, snapshot, spawnCli, visibleEntries } from '../helpers/safety.ts';

const INJECT = join(import.meta.dirname, 'fixtures', 'inject-fault.mjs');
/** for a spawned compress that only has to reach ffmpeg or the disk: alignment and masking cost CPU and prove nothing here */
const TO_FFMPEG = [...FAST, '--no-align', '--no-mask'];

function unshareWorks(): boolean {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=4k tmpfs /mnt 2>/dev/null || exit 3'], { encoding: 'utf8' });
  return r.status === 0;
}
const UNSHARE = unshareWorks();

/** Runs the CLI in a private mount namespace with a tmpfs of `size` (optionally read-only) at `mnt`; lists it after. */
function runOnTmpfs(mnt: string, size: string, readOnly: boolean, args: string[]): { code: number; stderr: string; after: string[] } {
  const script = [
    `mount -t tmpfs -o size=${size} tmpfs "${mnt}"`,
    readOnly ? `mount -o remount,ro "${mnt}"` : ':',
    `"${process.execPath}" --import tsx "${CLI}" "$@" 2>"${mnt}.stderr"; rc=$?`,
    `echo "rc=$rc"; ls -A "${mnt}"`,
  ].join('\n');
  const out = execFileSync('unshare', ['-m', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });
  const lines = out.trim().split('\n');
  const code = Number(lines[0]!.replace('rc=', ''));
  return { code, stderr: '', after: lines.slice(1).filter(Boolean) };
}

describe('safety: faults', () => {
  let root: string;
  let input: string;
  let out: string;
  let inputSnap: Map<string, string>;
  let outSnap: Map<string, string>;
  let hangingFfmpeg: string;
  before(async () => {
    ({ root, input, out, inputSnap } = await safetyFixture('adreel-safety-faults-', FAST));
    outSnap = await snapshot(out);
    // answers the probes like the real one, then hangs on any real work (and says where it is)
    const real = execFileSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();
    hangingFfmpeg = join(root, 'hanging-ffmpeg');
    await writeFile(
      hangingFfmpeg,
      `#!/bin/sh\ncase "$*" in *-version*|*-encoders*) exec "${real}" "$@";; esac\necho $$ > "${root}/ffmpeg.pid"\nexec sleep 600\n`,
    );
    await chmod(hangingFfmpeg, 0o755);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  const tmpfsIt = UNSHARE ? it : it.skip;

  tmpfsIt('found 6: disk full (real ENOSPC on a 64 KB tmpfs): one line naming the path and what to do; nothing left on the disk', async () => {
    const mnt = join(root, 'full');
    await mkdir(mnt);
    const r = runOnTmpfs(mnt, '64k', false, ['compress', input, join(mnt, 'out'), ...TO_FFMPEG]);
    const { readFile } = await import('node:fs/promises');
    const stderr = await readFile(`${mnt}.stderr`, 'utf8');
    assert.equal(r.code, 1, stderr);
    assert.match(stderr, new RegExp(`adreel compress: error: ${mnt}/[^:]+: .*no space left on the device; free some space or choose another output folder \\(ENOSPC\\)`));
    assertNoStack(stderr);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.deepEqual(r.after, [], 'nothing partial on the full disk');
    await assertUnchanged(input, inputSnap);
  });

  tmpfsIt('found 6: read-only destination (real EROFS): names the path, says read-only, not ENOENT', async () => {
    const mnt = join(root, 'ro');
    await mkdir(mnt);
    const r = runOnTmpfs(mnt, '1m', true, ['restore', out, join(mnt, 'restored'), '--quiet']);
    const { readFile } = await import('node:fs/promises');
    const stderr = await readFile(`${mnt}.stderr`, 'utf8');
    assert.equal(r.code, 1, stderr);
    assert.match(stderr, new RegExp(`${mnt}[^:]*: .*the file system is read-only; choose a writable output folder \\(EROFS\\)`));
    assertNoStack(stderr);
    assert.deepEqual(r.after, []);
    await assertUnchanged(out, outSnap);
  });

  for (const [code, reason] of [
    ['EACCES', /permission denied; choose a folder you can write to \(EACCES\)/],
    ['EISDIR', /is a folder where a file is expected; move it away or choose another folder \(EISDIR\)/],
  ] as const) {
    it(`rule 5 (mock): ${code} while writing a restored frame: one line, nothing visible`, async () => {
      const dest = join(root, `dest-${code}`);
      const p = spawnCli(['restore', out, dest, '--quiet'], {
        NODE_OPTIONS: `--import ${INJECT}`,
        ADREEL_TEST_FAULT_PATH: `.dest-${code}.adreel-staging-`,
        ADREEL_TEST_FAULT_CODE: code,
      });
      const r = await p.done;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`dest-${code}\\.adreel-staging-\\d+[^:]*: .*`));
      assert.match(r.stderr, reason);
      assertNoStack(r.stderr);
      assert.deepEqual(await visibleEntries(root, `dest-${code}`), []);
      await assertUnchanged(out, outSnap);
    });
  }

  it('rule 5: a missing input folder (ENOENT) is named', async () => {
    const r = await runCli(['compress', join(root, 'nope'), join(root, 'nope-out'), ...FAST]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${root}/nope: input folder does not exist or is not a folder`));
    assertNoStack(r.stderr);
    assert.deepEqual(await visibleEntries(root, 'nope-out'), []);
  });

  it('found 8: a hung ffmpeg is stopped by the watchdog (ADREEL_FFMPEG_STALL_SECONDS=1): one line, nothing visible', async () => {
    const o = join(root, 'hung');
    const r = await spawnCli(['compress', input, o, ...TO_FFMPEG], { FFMPEG_PATH: hangingFfmpeg, ADREEL_FFMPEG_STALL_SECONDS: '1' }).done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ffmpeg made no progress for [\d.]+ s and was stopped as hung \(ADREEL_FFMPEG_STALL_SECONDS sets how long to wait\)/);
    assertNoStack(r.stderr);
    assert.deepEqual(await visibleEntries(root, 'hung'), []);
    await assertUnchanged(input, inputSnap);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`found 7: ${signal} during compress: exit ${code}, staging, scratch, lock and ffmpeg all gone`, async () => {
      const o = join(root, `sig-${signal}`);
      await rm(join(root, 'ffmpeg.pid'), { force: true });
      const p = spawnCli(['compress', input, o, ...TO_FFMPEG], { FFMPEG_PATH: hangingFfmpeg });
      const ffmpegPid = await waitForFile(join(root, 'ffmpeg.pid'), 120_000);
      p.child.kill(signal);
      const r = await p.done;
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`adreel: interrupted by ${signal}; removed the partial output of ${o}, nothing was published; run the command again`));
      assertNoStack(r.stderr);
      assert.deepEqual(await visibleEntries(root, `sig-${signal}`), []);
      assert.equal(processAlive(ffmpegPid), false, 'ffmpeg was stopped');
      await assertUnchanged(input, inputSnap);
    });
  }

  it('found 7: after SIGKILL the leftovers are hidden, and the next run removes and names them', async () => {
    const o = join(root, 'killed');
    await rm(join(root, 'ffmpeg.pid'), { force: true });
    const p = spawnCli(['compress', input, o, ...TO_FFMPEG], { FFMPEG_PATH: hangingFfmpeg });
    const ffmpegPid = await waitForFile(join(root, 'ffmpeg.pid'), 120_000);
    p.child.kill('SIGKILL');
    await p.done;
    process.kill(ffmpegPid, 'SIGKILL'); // an orphan of the killed run: SIGKILL gives it no chance
    const left = (await readdir(root)).filter((n) => n.startsWith('.killed.'));
    assert.ok(left.some((n) => /^\.killed\.adreel-staging-\d+$/.test(n)), left.join(', '));
    assert.equal(left.includes('killed'), false, 'nothing under the output name');
    const r = await runCli(['compress', input, o, ...TO_FFMPEG.filter((a) => a !== '--quiet')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /removed the stale lock/);
    assert.match(r.stderr, /removed .*\.killed\.adreel-staging-\d+, left by an interrupted run/);
    assert.deepEqual(await visibleEntries(root, 'killed'), ['killed']);
    await assertUnchanged(input, inputSnap);
  });
});

async function waitForFile(path: string, timeoutMs: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const t0 = Date.now();
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.trim()) return Number(text.trim());
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
