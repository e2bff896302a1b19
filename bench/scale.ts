// Scale run: N generated small images (default 500, 2,000, 5,000 at 128 px) through the same code path as the CLI
// (compressFolder: reference, align+mask, union, segmented encode, publish; then a parallel restore), each count in
// a fresh child process so its peak memory (process.resourceUsage().maxRSS) is its own. Prints time per image and
// peak memory per count: both should stay flat as the count grows.
//   node --import tsx bench/scale.ts [--counts 500,2000,5000] [--size 128] [--json PATH]
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { compressFolder } from '../lambdas/cli/local-runs.ts';
import { encodePng } from '../lambdas/core/image-io.ts';
import { restoreFramesParallel } from '../lambdas/core/restore.ts';
import { generateSyntheticDataset } from '../lambdas/core/synthetic/objects.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { childrenRssBytes } from './lib/memory.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';

const { values } = parseArgs({
  options: { counts: { type: 'string', default: '500,2000,5000' }, size: { type: 'string', default: '128' }, json: { type: 'string' }, child: { type: 'string' } },
});
const size = Number(values.size);

interface CountResult {
  images: number;
  segments: number;
  compressSeconds: number;
  restoreSeconds: number;
  msPerImageCompress: number;
  msPerImageRestore: number;
  stageSeconds: Record<string, number>;
  maxRssMb: number;
  peakFfmpegRssMb: number;
  reelBytes: number;
  inputBytes: number;
}

if (values.child) {
  const n = Number(values.child);
  const work = await mkdtemp(join(tmpdir(), `adreel-scale-${n}-`));
  try {
    const input = join(work, 'input');
    await mkdir(input);
    for await (const item of generateSyntheticDataset({ count: n, width: size, height: size, kind: 'screw', seed: 42 })) {
      await writeFile(join(input, item.name.replace(/-(\d+)\.png$/, (_m, d: string) => `-${d.padStart(5, '0')}.png`)), await encodePng(item.image));
    }
    let peakChild = 0;
    const timer = setInterval(() => (peakChild = Math.max(peakChild, childrenRssBytes())), 100);
    const t0 = performance.now();
    // align failures are kept (flagged) rather than stopping the run: this measures scale, not alignment quality
    const s = await compressFolder(input, join(work, 'out'), parseCompressOptions({ threads: 2, onAlignFailure: 'keep' }));
    const t1 = performance.now();
    const dest = new LocalStorage(join(work, 'restored'));
    const r = await restoreFramesParallel(new LocalStorage(join(work, 'out')), (f) => dest.put(f.fileName, f.png));
    const t2 = performance.now();
    clearInterval(timer);
    if (r.frames !== n) throw new Error(`restored ${r.frames} of ${n}`);
    const out: CountResult = {
      images: n,
      segments: s.segments,
      compressSeconds: (t1 - t0) / 1000,
      restoreSeconds: (t2 - t1) / 1000,
      msPerImageCompress: (t1 - t0) / n,
      msPerImageRestore: (t2 - t1) / n,
      stageSeconds: s.seconds,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      peakFfmpegRssMb: Math.round(peakChild / 1048576),
      reelBytes: s.reelBytes,
      inputBytes: s.inputBytes,
    };
    process.stdout.write(JSON.stringify(out));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
} else {
  const results: CountResult[] = [];
  for (const n of values.counts!.split(',').map(Number)) {
    console.error(`[scale] ${n} images of ${size} px ...`);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(n), '--size', String(size)], {
      maxBuffer: 1 << 24,
    });
    results.push(JSON.parse(stdout) as CountResult);
    console.error(`[scale] ${JSON.stringify(results.at(-1))}`);
  }
  console.log(`scale run, ${size} px generated screws, compress (CLI code path) + parallel restore, one fresh process per count:`);
  console.log('  images  segments  compress ms/image  restore ms/image  node maxRSS MiB  ffmpeg peak RSS MiB');
  for (const r of results) {
    console.log(
      `  ${String(r.images).padStart(6)}  ${String(r.segments).padStart(8)}  ${r.msPerImageCompress.toFixed(1).padStart(17)}  ${r.msPerImageRestore.toFixed(1).padStart(16)}  ${String(r.maxRssMb).padStart(15)}  ${String(r.peakFfmpegRssMb).padStart(19)}`,
    );
  }
  if (values.json) await writeFile(values.json, JSON.stringify(results, null, 2) + '\n');
}
