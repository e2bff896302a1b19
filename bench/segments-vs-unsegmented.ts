// Segmented vs unsegmented reels of the same frames: the real screw training set (read in place) is aligned and
// masked ONCE, then encoded as one reel and as reels of N-frame segments with the same settings. Prints the mean
// PSNR (inside the union mask, decoded vs encoded frame) of each, the difference, and the size overhead.
//   node --import tsx bench/segments-vs-unsegmented.ts [--dir DIR] [--limit N] [--segments 64,32] [--crf 28] [--json PATH]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { listDataset } from '../lambdas/core/dataset.ts';
import { alignFramesStage } from '../lambdas/core/compress/compress-folder.ts';
import { encodeStage } from '../lambdas/core/compress/encode.ts';
import type { JobState, StageContext } from '../lambdas/core/compress/job.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';
import { prepareReferenceStage } from '../lambdas/core/compress/prepare-reference.ts';
import { unionMaskStage } from '../lambdas/core/compress/union.ts';
import { screwDir } from './lib/shared-data.ts';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, limit: { type: 'string' }, segments: { type: 'string', default: '64,32' }, crf: { type: 'string', default: '28' }, json: { type: 'string' } },
});
const dir = values.dir ?? join(screwDir(), 'train', 'good');
const source = new LocalStorage(dir);
const listing = await listDataset(source, '');
if (values.limit) listing.entries.splice(Number(values.limit));
const work = await mkdtemp(join(tmpdir(), 'adreel-segcmp-'));
const ctx: StageContext = { source, target: new LocalStorage(work) };
const options = parseCompressOptions({ crf: Number(values.crf), threads: 2 });
const t0 = performance.now();
const job = await prepareReferenceStage(ctx, listing, 'mvtec', options);
const drafts = await alignFramesStage(ctx, job, (done, total) => {
  if (done % 40 === 0) console.error(`[segcmp] aligned ${done}/${total}`);
});
const union = await unionMaskStage(ctx, job, drafts);
console.error(`[segcmp] ${drafts.length} images aligned in ${((performance.now() - t0) / 1000).toFixed(0)} s; crop ${JSON.stringify(union?.crop)}`);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows: { segmentFrames: number; segments: number; bytes: number; meanPsnrDb: number; encodeSeconds: number }[] = [];
for (const segmentFrames of [0, ...values.segments!.split(',').map(Number)]) {
  const j: JobState = { ...job, options: { ...job.options, segmentFrames: segmentFrames || job.entries.length } };
  const t = performance.now();
  const reel = await encodeStage(ctx, j, drafts, union, { concurrency: 2 });
  rows.push({ segmentFrames: segmentFrames || job.entries.length, segments: reel.segments.length, bytes: reel.bytes, meanPsnrDb: mean(reel.psnrDb), encodeSeconds: (performance.now() - t) / 1000 });
  console.error(`[segcmp] ${JSON.stringify(rows.at(-1))}`);
}
const base = rows[0];
console.log(`${drafts.length} screw images, crop ${union?.crop?.width}x${union?.crop?.height}, CRF ${values.crf}, preset medium:`);
for (const r of rows) {
  console.log(
    `  ${String(r.segments).padStart(2)} segment(s) of <= ${String(r.segmentFrames).padStart(3)} frames: ${r.bytes} B ` +
      `(${(((r.bytes - base.bytes) / base.bytes) * 100).toFixed(2)}% vs one reel), mean PSNR ${r.meanPsnrDb.toFixed(3)} dB ` +
      `(difference ${(r.meanPsnrDb - base.meanPsnrDb).toFixed(3)} dB), encode+check ${r.encodeSeconds.toFixed(0)} s`,
  );
}
if (values.json) await writeFile(values.json, JSON.stringify({ images: drafts.length, crop: union?.crop, crf: Number(values.crf), rows }, null, 2) + '\n');
await rm(work, { recursive: true, force: true });
