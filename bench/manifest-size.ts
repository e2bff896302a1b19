// Manifest size, version 1 (pretty JSON, two sha256 per frame), version 2 (compact, digest, one decoded-frame
// digest per segment), version 3 (v2's document packed: frames as columns, brotli, Z85 text in a JSON envelope) and
// version 4 (the same packed bytes as a binary file), for one compressed output (written as v4). The v1, v2 and v3
// forms are rebuilt from the same run: the sources' sha256 from the input folder, each frame's decoded sha256 by
// decoding the reel, so all describe exactly the same reel.
// (v2 here already holds v3's rounded transforms and figures; a v2 manifest written by the v2 code is larger.)
//   node --import tsx bench/manifest-size.ts <outDir> <inputDir>        (e.g. an output of ../shared/data/mvtec-screw)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadManifest, readManifestFile } from '../lambdas/core/artifacts.ts';
import { packManifest } from '../lambdas/core/manifest-pack.ts';
import { manifestDigest } from '../lambdas/core/manifest.ts';
import { resolveInputFolder } from '../lambdas/cli/local-runs.ts';
import { decodeCheckedFrames } from '../lambdas/core/restore.ts';
import { frameSha256, sha256 } from '../lambdas/core/hash.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';

const [outDir, inputDir] = process.argv.slice(2);
if (!outDir || !inputDir) {
  console.error('usage: node --import tsx bench/manifest-size.ts <outDir> <inputDir>');
  process.exit(2);
}
const store = new LocalStorage(outDir);
const m = await loadManifest(store);
const { bytes: file } = await readManifestFile(store);
const input = await resolveInputFolder(inputDir);
const decoded: string[] = [];
for await (const { decoded: frame } of decodeCheckedFrames(store, m)) decoded.push(frameSha256(frame));
const { digest: _d, ...rest } = m;
const v1 = {
  ...rest,
  version: 1,
  reels: m.reels.map(({ framesSha256: _f, ...r }) => r),
  frames: await Promise.all(
    m.frames.map(async (f, i) => ({
      ...f,
      source: { ...f.source, sha256: sha256(await readFile(join(input.dir, f.name))) },
      decodedSha256: decoded[i],
    })),
  ),
};
const v1Text = Buffer.from(`${JSON.stringify(v1, null, 2)}\n`);
const row = (name: string, b: Buffer) => `${name.padEnd(44)} ${String(b.length).padStart(9)} B   gzip ${String(gzipSync(b, { level: 9 }).length).padStart(8)} B`;
console.log(`${m.frames.length} frames in ${m.reels.length} segment(s); reel ${m.reels.reduce((s, r) => s + r.bytes, 0)} B`);
console.log(row('v1 (pretty, per-frame source + decoded sha256)', v1Text));
const { digest: _v3, ...doc } = { ...m, version: 2 };
const v2Text = Buffer.from(`${JSON.stringify({ ...doc, digest: manifestDigest(doc) })}\n`);
console.log(row('v2 (compact, digest, per-segment frame digest)', v2Text));
const v3Text = m.version === 3 ? file : Buffer.from(`${JSON.stringify(packManifest({ ...doc, version: 3, digest: manifestDigest({ ...doc, version: 3 }) }))}\n`);
console.log(row('v3 (v2 packed: columns, brotli, Z85 in JSON)', v3Text));
if (m.version === 4) console.log(row('v4 (v3\'s packed bytes as a binary file)', file));
console.log(`v2 / v1: ${(v2Text.length / v1Text.length).toFixed(3)}; v3 / v1: ${(v3Text.length / v1Text.length).toFixed(4)}; v3 / v2: ${(v3Text.length / v2Text.length).toFixed(4)}${m.version === 4 ? `; v4 / v3: ${(file.length / v3Text.length).toFixed(4)}` : ''}`);
