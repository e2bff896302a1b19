// --quality auto against the measured curve. Builds the --quality auto output of a category from an earlier output's
// alignment (--reuse-alignment: only the held-out trial encodes and the final encode run), prints the chosen CRF, the
// trials (CRF, distortion / spread) and the output bytes, and, given a size-sweep.json of the same category
// (bench/size-sweep.ts with --tolerance 0.01: the robust rule against raw per grid point), the smallest passing grid
// point and whether the choice passes and is within 1.5x of its output bytes.
//
//   node --import tsx bench/quality-auto.ts --data DIR --base EARLIER_OUT_DIR --out DIR [--tolerance T] [--sweep size-sweep.json]
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compressFolder } from '../lambdas/cli/local-runs.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';
import { runMain } from './lib/run-main.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    base: { type: 'string' },
    out: { type: 'string' },
    tolerance: { type: 'string' },
    sweep: { type: 'string' },
    threads: { type: 'string', default: '2' },
  },
});

interface SweepPoint {
  spec: { crf: number; rateFps: number; maxSide?: number };
  outputBytes: number;
  robust: { holds: boolean; worst: { image?: { margin: number }; pixel?: { margin: number } } };
}

async function main(): Promise<void> {
  if (!values.data || !values.base || !values.out) throw new Error('--data, --base and --out are required');
  const out = resolve(values.out);
  await rm(out, { recursive: true, force: true });
  const s = await compressFolder(
    resolve(values.data),
    out,
    parseCompressOptions({ quality: 'auto', ...(values.tolerance ? { qualityTolerance: Number(values.tolerance) } : {}), threads: Number(values.threads), reuseAlignment: resolve(values.base) }),
    { log: (m) => process.stderr.write(`${m}\n`) },
  );
  const q = s.manifest.quality!;
  console.log(`quality auto (${q.criterion}, tolerance ${q.tolerance}, ${q.heldOut.length} held-out): CRF ${q.crf} (${q.met ? 'met' : 'NOT met'}), output ${s.outputBytes} B, reel ${s.reelBytes} B`);
  console.log(`trials: ${[...q.trials].sort((a, b) => a.crf - b.crf).map((t) => `CRF ${t.crf}: ${t.ratio.toFixed(4)}`).join(', ')}`);
  if (!values.sweep) return;
  const sweep = JSON.parse(await readFile(resolve(values.sweep), 'utf8')) as { tolerance: number; points: SweepPoint[] };
  const grid = sweep.points.filter((p) => p.spec.maxSide === undefined).sort((a, b) => a.spec.crf - b.spec.crf);
  for (const p of grid) {
    console.log(`grid CRF ${p.spec.crf}: output ${p.outputBytes} B, robust rule (tolerance ${sweep.tolerance}) ${p.robust.holds ? 'holds' : 'fails'} (worst margin image ${p.robust.worst.image?.margin.toFixed(4)}, pixel ${p.robust.worst.pixel?.margin.toFixed(4)})`);
  }
  const passing = grid.filter((p) => p.robust.holds);
  const smallest = passing.sort((a, b) => a.outputBytes - b.outputBytes)[0];
  if (!smallest) return console.log('no measured grid point passes: the comparison cannot be made');
  const measured = grid.find((p) => p.spec.crf === q.crf);
  console.log(
    `smallest passing measured point: CRF ${smallest.spec.crf}, ${smallest.outputBytes} B; choice / smallest = ${(s.outputBytes / smallest.outputBytes).toFixed(2)}x ` +
      `(target <= 1.5x: ${s.outputBytes <= 1.5 * smallest.outputBytes ? 'met' : 'missed'}); choice itself ${measured ? (measured.robust.holds ? 'passes' : 'FAILS') : `not measured (CRF ${q.crf} ${q.crf <= smallest.spec.crf ? '<=' : '>'} the passing CRF ${smallest.spec.crf})`}`,
  );
}

runMain(main);
