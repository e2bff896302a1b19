// --quality auto against the measured curve. Builds the --quality auto output of a category from an earlier output's
// alignment (--reuse-alignment: only the held-out trial encodes and the final encode run), prints the chosen CRF, the
// trials (CRF, distortion / spread) and the output bytes, and, given a size-sweep.json of the same category
// (bench/size-sweep.ts with --tolerance 0.01: the robust rule against raw per grid point), the smallest passing grid
// point and whether the choice passes and is within 1.5x of its output bytes.
//
//   node --import tsx bench/quality-auto.ts --data DIR --base EARLIER_OUT_DIR --out DIR [--tolerance T] [--sweep size-sweep.json]
//                                           [--probe lo-hi]
// --probe measures every CRF in lo..hi on the same held-out frames (the search reuses them) and records, beside the
// rule's distortion / spread, a diagonal-whitened distortion: the mean over positions and channels of
// (f(original) - f(decoded))^2 / (variance across the held-out originals + PaDiM's regulariser 0.01), the per-channel
// shift in units of the spread PaDiM's own Gaussian sees. Writes quality-auto.json beside the output (in DIR/..).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compressFolder } from '../lambdas/cli/local-runs.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';
import { runMain } from './lib/run-main.ts';
import { COVARIANCE_REGULARISATION } from '../lambdas/eval/padim.ts';
import type { FeatureMap } from '../lambdas/core/quality/search.ts';

/** Per-position, per-channel variance across the maps (unbiased). */
function channelVariance(maps: FeatureMap[]): Float64Array {
  const len = maps[0].data.length;
  const n = maps.length;
  const v = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    let s = 0;
    let s2 = 0;
    for (const m of maps) {
      s += m.data[i];
      s2 += m.data[i] * m.data[i];
    }
    v[i] = Math.max(0, (s2 - (s * s) / n) / (n - 1));
  }
  return v;
}

export interface ProbeRow {
  crf: number;
  ratio: number;
  whitened: number;
  /** distortion / mean feature energy (sum of f^2 of an original): coding noise against the signal, no spread */
  energyRatio: number;
  bytes: number;
}

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    base: { type: 'string' },
    out: { type: 'string' },
    tolerance: { type: 'string' },
    sweep: { type: 'string' },
    probe: { type: 'string' },
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
  const probes: ProbeRow[] = [];
  let variance: Float64Array | undefined;
  let energy: number | undefined;
  const probeCrfs = values.probe ? rangeOf(values.probe) : [];
  const s = await compressFolder(
    resolve(values.data),
    out,
    parseCompressOptions({ quality: 'auto', ...(values.tolerance ? { qualityTolerance: Number(values.tolerance) } : {}), threads: Number(values.threads), reuseAlignment: resolve(values.base) }),
    {
      log: (m) => process.stderr.write(`${m}\n`),
      qualityProbe: {
        crfs: probeCrfs,
        onTrial: ({ crf, ratio, bytes, spread, originals, decoded }) => {
          variance ??= channelVariance(originals);
          let total = 0;
          let count = 0;
          originals.forEach((o, k) => {
            for (let i = 0; i < o.data.length; i++) {
              const e = o.data[i] - decoded[k].data[i];
              total += (e * e) / (variance![i] + COVARIANCE_REGULARISATION);
              count++;
            }
          });
          // the originals' mean feature energy, once (the held-out frames are the same in every trial)
          energy ??= originals.reduce((e, o) => e + o.data.reduce((a, x) => a + x * x, 0), 0) / originals.length;
          probes.push({ crf, ratio, whitened: total / count, energyRatio: (ratio * spread) / energy, bytes });
        },
      },
    },
  );
  probes.sort((a, b) => a.crf - b.crf);
  for (const p of probes) console.log(`probe CRF ${p.crf}: distortion/spread ${p.ratio.toFixed(4)}, whitened ${p.whitened.toFixed(4)}, distortion/energy ${p.energyRatio.toExponential(3)}, held-out bytes ${p.bytes}`);
  const record = { kind: 'quality-auto', data: resolve(values.data), base: resolve(values.base), command: `node --import tsx ${process.argv.slice(1).join(' ')}`, crf: s.manifest.quality!.crf, tolerance: s.manifest.quality!.tolerance, outputBytes: s.outputBytes, reelBytes: s.reelBytes, trials: s.manifest.quality!.trials, probes };
  await writeFile(join(dirname(out), 'quality-auto.json'), JSON.stringify(record, null, 1));
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

function rangeOf(text: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m) throw new Error(`--probe "${text}": lo-hi expected`);
  const out: number[] = [];
  for (let c = Number(m[1]); c <= Number(m[2]); c++) out.push(c);
  return out;
}

runMain(main);
