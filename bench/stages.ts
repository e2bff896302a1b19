// Seconds per stage of `compress` on the real screw training set, and the encode stage against a bare FFmpeg encode
// of the same frames with the same settings, measured in the same run.
// With --json the results file also holds each stage's peak memory (bench/lib/memory.ts); bench/cost.ts reads it.
//   node --import tsx bench/stages.ts [--dir DIR] [--runs 3] [--crf 28] [--limit N] [--json PATH] [--no-baseline]
import { mkdtemp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from '../lambdas/cli/progress.ts';
import { compressFolder } from '../lambdas/cli/local-runs.ts';
import type { CompressSummary } from '../lambdas/core/compress/compress-folder.ts';
import { cropImage } from '../lambdas/core/geometry.ts';
import { decodeImage, encodePng } from '../lambdas/core/image-io.ts';
import { restoreFrames } from '../lambdas/core/restore.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { compareWithBareFfmpeg } from './lib/encode-baseline.ts';
import { screwDir } from './lib/shared-data.ts';
import { startMemorySampler, stageOfProgress, type StageMemory } from './lib/memory.ts';
import { encoderSettings, parseCompressOptions } from '../lambdas/core/compress/options.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    runs: { type: 'string', default: '3' },
    crf: { type: 'string', default: '28' },
    limit: { type: 'string' },
    json: { type: 'string' },
    'no-baseline': { type: 'boolean' },
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
const memory: Record<string, StageMemory>[] = [];
let maxRssMb = 0;
for (let r = 0; r < runs; r++) {
  const progress = createProgress();
  const sampler = startMemorySampler('hash+reference');
  summaries.push(
    await compressFolder(input, join(work, `out-${r}`), parseCompressOptions({ crf, threads: 2 }), {
      onProgress: (stage, done, total) => {
        sampler.mark(stageOfProgress(stage));
        progress.onProgress(stage, done, total);
      },
    }),
  );
  sampler.mark('publish');
  const mem = sampler.stop();
  memory.push(mem.stages);
  maxRssMb = Math.max(maxRssMb, mem.maxRssMb);
  progress.stop();
  console.error(`[bench] run ${r + 1}: ${JSON.stringify(summaries[r].seconds)} memory ${JSON.stringify(mem.stages)}`);
}
const stages = Object.keys(summaries[0].seconds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stageMedians = Object.fromEntries(stages.map((s) => [s, median(summaries.map((x) => x.seconds[s]))]));
const total = Object.values(stageMedians).reduce((a, b) => a + b, 0);

// per stage, the highest peak over the runs
const peakMemory: Record<string, StageMemory> = {};
for (const run of memory) {
  for (const [stage, m] of Object.entries(run)) {
    const p = (peakMemory[stage] ??= { peakRssMb: 0, peakChildRssMb: 0, maxRssMb: 0 });
    p.peakRssMb = Math.max(p.peakRssMb, m.peakRssMb);
    p.peakChildRssMb = Math.max(p.peakChildRssMb, m.peakChildRssMb);
    p.maxRssMb = Math.max(p.maxRssMb, m.maxRssMb);
  }
}

// The exact frames the encoder received: decoded from a lossless reel, cropped to the encoded region.
const baseline = values['no-baseline'] ? undefined : await runBaseline();
async function runBaseline() {
const lossless = await compressFolder(input, join(work, 'lossless'), parseCompressOptions({ lossless: true }));
const framesDir = join(work, 'frames');
await mkdir(framesDir);
const crop = lossless.manifest.frame.crop;
for await (const f of restoreFrames(new LocalStorage(join(work, 'lossless')))) {
  let img = (await decodeImage(f.png, f.fileName)).image;
  if (crop) img = cropImage(img, crop);
  await writeFile(join(framesDir, `${String(f.index).padStart(4, '0')}.png`), await encodePng(img));
}
return compareWithBareFfmpeg({ framesDir, opts: encoderSettings({ crf, preset: 'medium', threads: 2 }), runs });
}

const result = {
  images: names.length,
  runs,
  crf,
  secondsPerStage: stageMedians,
  totalSeconds: total,
  secondsPerImage: total / names.length,
  reelBytes: summaries[0].reelBytes,
  outputBytes: summaries[0].outputBytes,
  segments: summaries[0].segments,
  inputBytes: summaries[0].inputBytes,
  memory: peakMemory,
  frame: summaries[0].manifest.frame,
  maxRssMb,
  ratio: summaries[0].ratio,
  unionFraction: summaries[0].unionFraction,
  encodeVsBareFfmpeg: baseline,
};
console.log(`stage medians over ${runs} run(s), ${names.length} images (2 cores):`);
for (const [s, v] of Object.entries(stageMedians)) console.log(`  ${s.padEnd(10)} ${v.toFixed(2)} s  (${((1000 * v) / names.length).toFixed(0)} ms/image)`);
console.log(`  total      ${total.toFixed(2)} s`);
for (const [s, m] of Object.entries(peakMemory)) console.log(`  memory ${s.padEnd(15)} node ${m.peakRssMb} MiB, ffmpeg ${m.peakChildRssMb} MiB, maxRSS ${m.maxRssMb} MiB`);
if (baseline) console.log(
  `encode of the same ${baseline.frames} frames (${baseline.width}x${baseline.height}): adreel ${baseline.adreelSeconds.toFixed(2)} s, ` +
    `bare ffmpeg ${baseline.bareSeconds.toFixed(2)} s, ratio ${baseline.ratio.toFixed(2)} (bytes ${baseline.adreelBytes} vs ${baseline.bareBytes})`,
);
console.log(`reel ${summaries[0].reelBytes} B, input ${summaries[0].inputBytes} B, ratio ${summaries[0].ratio.toFixed(1)}x`);
if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2) + '\n');
await rm(work, { recursive: true, force: true });
