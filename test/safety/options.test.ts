// Issue 10 item 3 (strict options): every numeric option is parsed strictly, x265 keys that would make the manifest
// lie are refused naming the flag to use (fps included: --rate-fps owns it now), crf excludes lossless everywhere, an unusable FFMPEG_PATH is an error.
// Each case runs the real CLI entry (main(), the function bin/adreel calls) and asserts its exit code, its message,
// and that no output appeared; one case spawns the binary to show the exit code reaches the shell.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../lambdas/cli/main.ts';
import { MarkerContentSchema, describeOptionIssues, markerName } from '../../lambdas/core/compress/options.ts';
import { locateFfmpeg } from '../../lambdas/core/reel/ffmpeg.ts';
import { assertNoStack, assertUnchanged, safetyFixture } from '../helpers/safety.ts';

let root: string;
let input: string;
let out: string;
let inputSnap: Map<string, string>;

/** main() with stderr captured: { code, err } */
async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => lines.push(a.map(String).join(' '));
  try {
    const code = await main(argv);
    return { code, err: lines.join('\n') };
  } finally {
    console.error = original;
  }
}

async function refused(argv: string[], message: RegExp): Promise<void> {
  const r = await cli(...argv);
  assert.equal(r.code, 2, `exit code for ${JSON.stringify(argv)}: ${r.err}`);
  // one line says what is wrong; the usage follows it
  assert.match(r.err.split('\n')[0]!, message);
  assertNoStack(r.err);
  assert.equal(existsSync(out), false, 'no output may appear');
  await assertUnchanged(input, inputSnap);
}

const compress = (...flags: string[]) => ['compress', input, out, ...flags];

describe('safety: strict options (issue 10, item 3)', () => {
  before(async () => {
    ({ root, input, out, inputSnap } = await safetyFixture('adreel-safety-options-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('found 8: --crf "" is refused (was CRF 0)', async () => {
    await refused(compress('--crf', ''), /--crf expects a whole number \(decimal digits\), got ""/);
  });
  it('found 8: --crf 0x1c (hex) is refused (was 28)', async () => {
    await refused(compress('--crf', '0x1c'), /--crf expects a whole number \(decimal digits\), got "0x1c"/);
  });
  it('found 8: --crf 1e1 (exponent) is refused (was 10)', async () => {
    await refused(compress('--crf', '1e1'), /--crf expects a whole number \(decimal digits\), got "1e1"/);
  });
  it('rule 3: --crf 27.5 (fraction) is refused', async () => {
    await refused(compress('--crf', '27.5'), /--crf expects a whole number \(decimal digits\), got "27.5"/);
  });
  it('rule 3: --crf " 28" (padded) and --crf -1 are refused', async () => {
    await refused(compress('--crf', ' 28'), /--crf expects a whole number/);
    await refused(compress('--crf=-1'), /--crf expects a whole number/);
  });
  it('rule 3: --crf 52 is out of range, named with the range', async () => {
    await refused(compress('--crf', '52'), /--crf: expects a whole number from 0 to 51, got 52/);
  });
  it('found 8: --margin "" is refused (was 0)', async () => {
    await refused(compress('--margin', ''), /--margin expects a whole number \(decimal digits\), got ""/);
  });
  it('rule 3: --threads, --segment-frames and --jobs are strict too', async () => {
    await refused(compress('--threads', '0x2'), /--threads expects a whole number/);
    await refused(compress('--segment-frames', '1e2'), /--segment-frames expects a whole number/);
    await refused(compress('--jobs', ''), /--jobs expects a whole number/);
  });
  it('found 8: restore --frames "" is refused (was: everything restored)', async () => {
    const r = await cli('restore', join(root, 'no-such-output'), join(root, 'dest'), '--frames', '');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--frames expects A-B \(0-based, inclusive\), got ""/);
    assert.equal(existsSync(join(root, 'dest')), false);
  });
  it('rule 3: --crf with --lossless is refused', async () => {
    await refused(compress('--crf', '20', '--lossless'), /--crf and --lossless exclude each other/);
  });

  const reserved: [string, string][] = [
    ['crf=0', '--crf'],
    ['qp=4', '--crf'],
    ['bitrate=900', '--crf'],
    ['lossless=1', '--lossless'],
    ['keyint=10', '--segment-frames'],
    ['min-keyint=5', '--segment-frames'],
    ['open-gop=1', '--segment-frames'],
    ['pools=4', '--threads'],
    ['frame-threads=2', '--threads'],
  ];
  for (const [param, flag] of reserved) {
    it(`${param === 'crf=0' || param === 'lossless=1' ? 'found 8' : 'rule 3'}: --x265 ${param} is refused, naming ${flag}`, async () => {
      const key = param.split('=')[0];
      await refused(compress('--x265', `aq-mode=3:${param}`), new RegExp(`--x265: x265 key "${key}" is set by adreel; use ${flag}`));
    });
  }
  it('rule 3: --x265 fps=25 is refused, naming --rate-fps (the rate work decoupled it from the reel timestamps)', async () => {
    await refused(compress('--x265', 'fps=25'), /--x265: x265 key "fps" is set by adreel; use --rate-fps/);
  });
  it('rule 3: --x265 with tuning keys adreel does not set stays allowed (the run then fails only on the missing input)', async () => {
    const r = await cli('compress', join(root, 'missing'), out, '--x265', 'aq-mode=3:psy-rd=0', '--quiet');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /input folder does not exist/);
  });
  it('rule 3: a marker {"crf":20,"lossless":true} is refused, naming both keys', () => {
    const r = MarkerContentSchema.safeParse({ options: { crf: 20, lossless: true } });
    assert.equal(r.success, false);
    assert.match(describeOptionIssues(r.error!, { crf: 20, lossless: true }, markerName, ['options']), /options\.crf and options\.lossless exclude each other/);
  });
  it('rule 3: a marker with x265Params "crf=0" is refused, naming options.crf', () => {
    const r = MarkerContentSchema.safeParse({ options: { x265Params: 'crf=0' } });
    assert.equal(r.success, false);
    assert.match(describeOptionIssues(r.error!, {}, markerName, ['options']), /options\.x265Params: x265 key "crf" is set by adreel; use options\.crf/);
  });
  it('rule 3: upload refuses --crf 20 --lossless before uploading anything', async () => {
    const r = await cli('upload', input, 's3://bucket/data', '--crf', '20', '--lossless');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--crf and --lossless exclude each other/);
  });

  it('found 8: FFMPEG_PATH set to a missing file is an error, not a fallback to PATH', async () => {
    const missing = join(root, 'no-ffmpeg-here');
    await assert.rejects(locateFfmpeg({ env: { FFMPEG_PATH: missing, PATH: process.env.PATH }, ffmpegStaticPath: () => { throw new Error('not installed'); } }), (e: Error) => {
      assert.match(e.message, new RegExp(`FFMPEG_PATH=${missing}: file does not exist`));
      assert.match(e.message, /unset it/);
      return true;
    });
  });

  it('found 8: compress with FFMPEG_PATH set to a missing file exits 1 naming it, before any alignment (spawned binary)', () => {
    const missing = join(root, 'no-ffmpeg-here');
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'lambdas/cli/main.ts', 'compress', input, out, '--quiet'], { encoding: 'utf8', env: { ...process.env, FFMPEG_PATH: missing } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^adreel compress: error: FFMPEG_PATH=${missing}: file does not exist \\(ENOENT\\)\\. Point FFMPEG_PATH at an ffmpeg with libx265, or unset it`));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(existsSync(out), false);
    assert.ok(performance.now() - t0 < 30_000, 'refused up front');
  });
  it('rule 3: the shell sees exit code 2 for a refused option (spawned binary)', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'lambdas/cli/main.ts', 'compress', input, out, '--crf', '0x1c'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--crf expects a whole number \(decimal digits\), got "0x1c"/);
    assert.equal(existsSync(out), false);
    await assertUnchanged(input, inputSnap);
  });
});
