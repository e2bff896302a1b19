// "Same pixels" proof for a refactor: runs `adreel compress <input> <tmp> --threads 1 --crf 28` with the CLI of the
// checkout this script is run from, and prints ONE sha256 over the manifest's decoded-frame hashes (in manifest
// order, with each frame's name). Equal hashes on two commits mean their reels decode to the same pixels.
// Usage: node --import tsx bench/pixel-hash.ts [inputDir]   (default: ../shared/data/mvtec-screw, i.e. its train/good)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const shared = process.env.ADREEL_SHARED ?? resolve('../shared');
const input = resolve(process.argv[2] ?? join(shared, 'data/mvtec-screw'));
const out = join(mkdtempSync(join(tmpdir(), 'adreel-pixel-hash-')), 'out');
try {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'lambdas/cli/main.ts', 'compress', input, out, '--threads', '1', '--crf', '28', '--quiet'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`compress exited with ${run.status}`);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { frames: { name: string; decodedSha256: string }[] };
  const h = createHash('sha256');
  for (const f of manifest.frames) h.update(`${f.name}\t${f.decodedSha256}\n`);
  console.log(`pixel hash over ${manifest.frames.length} decoded frames of ${input}: ${h.digest('hex')} (${((performance.now() - t0) / 1000).toFixed(0)}s)`);
} finally {
  rmSync(join(out, '..'), { recursive: true, force: true });
}
