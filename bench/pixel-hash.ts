// "Same pixels" proof for a refactor: runs `adreel compress <input> <tmp> --threads 1 --crf 28` with the CLI of the
// checkout this script is run from, restores every frame with that checkout's restore, and prints ONE sha256 over
// (file name, frameSha256 of the restored image), by file name. It does not depend on the manifest's version (v1
// recorded per-frame decoded hashes, v2/v3 one hash per reel), so any two commits compare. Equal hashes: the reels
// restore to the same pixels.
// Usage: node --import tsx bench/pixel-hash.ts [inputDir]   (default: ../shared/data/mvtec-screw, i.e. its train/good)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { frameSha256 } from '../lambdas/core/hash.ts';
import { decodeImage } from '../lambdas/core/image-io.ts';
import { restoreFrames } from '../lambdas/core/restore.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';

const shared = process.env.ADREEL_SHARED ?? resolve('../shared');
const input = resolve(process.argv[2] ?? join(shared, 'data/mvtec-screw'));
const out = join(mkdtempSync(join(tmpdir(), 'adreel-pixel-hash-')), 'out');
try {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'lambdas/cli/main.ts', 'compress', input, out, '--threads', '1', '--crf', '28', '--quiet'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`compress exited with ${run.status}`);
  const frames: [string, string][] = [];
  for await (const f of restoreFrames(new LocalStorage(out))) frames.push([f.fileName, frameSha256((await decodeImage(f.png, f.fileName)).image)]);
  frames.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash('sha256');
  for (const [name, sha] of frames) h.update(`${name}\t${sha}\n`);
  console.log(`pixel hash over ${frames.length} restored frames of ${input}: ${h.digest('hex')} (${((performance.now() - t0) / 1000).toFixed(0)}s)`);
} finally {
  rmSync(join(out, '..'), { recursive: true, force: true });
}
