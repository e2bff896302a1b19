// Seconds per stage of `compress` on the real screw training set, and the encode stage against a bare FFmpeg encode
// of the same frames with the same settings, measured in the same run.
//   node --import tsx bench/stages.ts [--dir DIR] [--runs 3] [--crf 28] [--limit N] [--json PATH]
import { mkdtemp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from '../lambdas/cli/progress.ts';
import { compressFolder, type CompressSummary } from '../lambdas/core/compress/compress-folder.ts';
import { cropImage } from '../lambdas/core/geometry.ts';
import { decodeImage, encodePng } from '../lambdas/core/image-io.ts';
import { restoreFrames } from '../lambdas/core/restore.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { compareWithBareFfmpeg } from './lib/encode-baseline.ts';
import { screwDir } from './lib/shared-data.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    runs: { type: 'string', default: '3' },
    crf: { type: 'string', default: '28' },
    limit: { type: 'string' },
    json: { type: 'string' },
  },
});
const source = values.dir ?? join(screwDir(), 'train', 'good');
const runs = Number(values.runs);
const crf = Number(values.crf);
const work = await mkdtemp(join(tmpdir(), 'adreel-bench-stages-'));
const input = join(work, 'input');
await mkdir(input);
const names = (await readdir(source)).filter((n) => n.endsWith('.png')).sort().slice(0, values.limit ? Number(values.limit) : undefined);
for (const n of names) await symlink(join(source, n), join(input, n));
console.error(`[bench] ${names.length} images from ${source}, ${runs} run(s), CRF ${crf}`);

const summaries: CompressSummary[] = [];
for (let r = 0; r < runs; r++) {
  const progress = createProgress();
  summaries.push(await compressFolder(input, join(work, `out-${r}`), { crf, threads: 2 }, { onProgress: progress.onProgress }));
  progress.stop();
  console.error(`[bench] run ${r + 1}: ${JSON.stringify(summaries[r].seconds)}`);
}
const stages = Object.keys(summaries[0].seconds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stageMedians = Object.fromEntries(stages.map((s) => [s, median(summaries.map((x) => x.seconds[s]))]));
const total = Object.values(stageMedians).reduce((a, b) => a + b, 0);

// The exact frames the encoder received: decoded from a lossless reel, cropped to the encoded region.
const lossless = await compressFolder(input, join(work, 'lossless'), { lossless: true });
const framesDir = join(work, 'frames');
await mkdir(framesDir);
const crop = lossless.manifest.frame.crop;
for await (const f of restoreFrames(new LocalStorage(join(work, 'lossless')))) {
  let img = (await decodeImage(f.png, f.fileName)).image;
  if (crop) img = cropImage(img, crop);
  await writeFile(join(framesDir, `${String(f.index).padStart(4, '0')}.png`), await encodePng(img));
}
const baseline = await compareWithBareFfmpeg({ framesDir, opts: { crf, preset: 'medium', threads: 2 }, runs });

const result = {
  images: names.length,
  runs,
  crf,
  secondsPerStage: stageMedians,
  totalSeconds: total,
  secondsPerImage: total / names.length,
  reelBytes: summaries[0].reelBytes,
  inputBytes: summaries[0].inputBytes,
  ratio: summaries[0].ratio,
  unionFraction: summaries[0].unionFraction,
  encodeVsBareFfmpeg: baseline,
};
console.log(`stage medians over ${runs} run(s), ${names.length} images (2 cores):`);
for (const [s, v] of Object.entries(stageMedians)) console.log(`  ${s.padEnd(10)} ${v.toFixed(2)} s  (${((1000 * v) / names.length).toFixed(0)} ms/image)`);
console.log(`  total      ${total.toFixed(2)} s`);
console.log(
  `encode of the same ${baseline.frames} frames (${baseline.width}x${baseline.height}): adreel ${baseline.adreelSeconds.toFixed(2)} s, ` +
    `bare ffmpeg ${baseline.bareSeconds.toFixed(2)} s, ratio ${baseline.ratio.toFixed(2)} (bytes ${baseline.adreelBytes} vs ${baseline.bareBytes})`,
);
console.log(`reel ${summaries[0].reelBytes} B, input ${summaries[0].inputBytes} B, ratio ${summaries[0].ratio.toFixed(1)}x`);
if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2) + '\n');
await rm(work, { recursive: true, force: true });
