// Issue figures on the real screw training set, measured as PROTOCOL.md says, on the product's own output:
// compress (CRF 28 by default) -> restore -> silhouette IoU / containment / union fraction; optionally --lossless
// and a bit-exactness check of every restored frame.
//   node --import tsx bench/screw-quality.ts [--limit N] [--crf 28] [--lossless-check] [--json PATH]
import { mkdtemp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from '../lambdas/cli/progress.ts';
import { readFile } from 'node:fs/promises';
import { warpImage } from '../lambdas/core/align/index.ts';
import { compressFolder } from '../lambdas/cli/local-runs.ts';
import { frameSha256 } from '../lambdas/core/hash.ts';
import { decodeImage, decodeMask } from '../lambdas/core/image-io.ts';
import { restoreFrames } from '../lambdas/core/restore.ts';
import { applyMask } from '../lambdas/core/union-mask.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { measureOutputQuality } from './lib/output-quality.ts';
import { screwDir } from './lib/shared-data.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';

const { values } = parseArgs({ options: { limit: { type: 'string' }, crf: { type: 'string', default: '28' }, json: { type: 'string' }, keep: { type: 'string' }, 'lossless-check': { type: 'boolean' } } });
const source = join(screwDir(), 'train', 'good');
const work = values.keep ?? (await mkdtemp(join(tmpdir(), 'adreel-screw-quality-')));
const input = join(work, 'input');
await rm(input, { recursive: true, force: true });
await mkdir(input, { recursive: true });
const names = (await readdir(source)).filter((n) => n.endsWith('.png')).sort().slice(0, values.limit ? Number(values.limit) : undefined);
for (const n of names) await symlink(join(source, n), join(input, n));
const progress = createProgress();
const out = join(work, `crf${values.crf}`);
const summary = await compressFolder(input, out, parseCompressOptions({ crf: Number(values.crf) }), { onProgress: progress.onProgress });
const quality = await measureOutputQuality(out, source, (d, t) => progress.onProgress('measure', d, t));
// --lossless-check: every frame restored from a lossless reel must equal the aligned, masked frame bit for bit.
let lossless: { frames: number; bitExact: number; reelBytes: number } | undefined;
if (values['lossless-check']) {
  const out = join(work, 'lossless');
  const s = await compressFolder(input, out, parseCompressOptions({ lossless: true }), { onProgress: progress.onProgress });
  const union = await decodeMask(await readFile(join(out, 'mask.bin')), 'mask.bin');
  let bitExact = 0;
  for await (const f of restoreFrames(new LocalStorage(out), { onProgress: progress.onProgress })) {
    const record = s.manifest.frames[f.index];
    const src = (await decodeImage(await readFile(join(source, record.name)), record.name)).image;
    const expected = applyMask(await warpImage(src, record.transform!, s.manifest.frame.width, s.manifest.frame.height), union);
    if (frameSha256((await decodeImage(f.png, f.fileName)).image) === frameSha256(expected)) bitExact++;
    else console.error(`[bench] ${record.name}: restored frame differs from the aligned, masked frame`);
  }
  lossless = { frames: s.frames, bitExact, reelBytes: s.reelBytes };
  console.error(`[bench] lossless: ${bitExact}/${s.frames} frames bit-exact, reel ${s.reelBytes} B`);
}
progress.stop();
const result = { lossless, images: names.length, crf: Number(values.crf), reelBytes: summary.reelBytes, inputBytes: summary.inputBytes, ratio: summary.ratio, reelRatio: summary.reelRatio, psnrDb: summary.psnrDb, seconds: summary.seconds, quality };
console.log(JSON.stringify(result, null, 2));
console.log(
  `\n${quality.aligned}/${quality.frames} aligned; silhouette IoU mean ${quality.iou.mean.toFixed(3)} min ${quality.iou.min.toFixed(3)} p5 ${quality.iou.p5.toFixed(3)}, ` +
    `${quality.framesBelow['0.5']} frames < 0.5; containment max ${(100 * quality.containment.max).toFixed(3)}% (${quality.containment.over} frames >= 0.5%); ` +
    `union ${(100 * quality.unionFraction).toFixed(1)}% of the frame; reel ${summary.reelBytes} B (reel-only ratio ${summary.reelRatio.toFixed(0)}x)` +
    (lossless ? `; lossless ${lossless.bitExact}/${lossless.frames} frames bit-exact (reel ${lossless.reelBytes} B)` : ''),
);
if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2) + '\n');
if (!values.keep) await rm(work, { recursive: true, force: true });
