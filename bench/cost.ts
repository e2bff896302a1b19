// Cost per 1,000 images and per dataset size from the benchmark's MEASURED stage times and memory: reads the
// results file bench/stages.ts writes (--json), prints Lambda GB-seconds and requests, state transitions, S3
// requests, storage per month before and after, dollars at the list prices in bench/lib/prices.ts, the partial
// unions and the reducers' times (bench/union-partials.ts), and the wall time at a given concurrency, for 1,000 to
// 1,000,000 images; a NOTE names any invocation over its configured timeout and a run over the state machine's.
//   node --import tsx bench/cost.ts <results.json> [--concurrency 40] [--s3-latency-ms 10] [--segment-frames N] [--classes 1] [--json]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { autoSegmentFrames } from '../lambdas/core/reel/segments.ts';
import { costFor, LAMBDA_MB, LAMBDA_TIMEOUT_S, perImageSeconds, type CostLine, type StageResults } from './lib/cost-model.ts';
import { PRICES } from './lib/prices.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '40' },
    's3-latency-ms': { type: 'string', default: '10' },
    'segment-frames': { type: 'string' },
    classes: { type: 'string', default: '1' },
    json: { type: 'boolean' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node --import tsx bench/cost.ts <results.json> [--concurrency 40] [--s3-latency-ms 10] [--segment-frames N] [--classes 1] [--json]');
  process.exit(2);
}
const results = JSON.parse(await readFile(positionals[0], 'utf8')) as StageResults;
const crop = results.frame?.crop ?? results.frame;
const segmentFrames = values['segment-frames']
  ? Number(values['segment-frames'])
  : crop
    ? autoSegmentFrames({ width: crop.width, height: crop.height, channels: results.frame?.mode === 'rgb' ? 3 : 1, preset: 'medium', lossless: false })
    : Math.ceil(results.images / (results.segments ?? 1));
const params = { concurrency: Number(values.concurrency), s3LatencyMs: Number(values['s3-latency-ms']), segmentFrames, classes: Number(values.classes) };
const sizes = [1_000, 10_000, 100_000, 1_000_000];
const lines: CostLine[] = sizes.map((images) => costFor(results, { ...params, images }));
if (values.json) {
  console.log(JSON.stringify({ prices: PRICES, params, lines }, null, 2));
  process.exit(0);
}

const per = perImageSeconds(results);
const $ = (x: number) => (x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const k = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));
console.log(`measured (${results.images} images, ${positionals[0]}): s/image align ${per.align.toFixed(3)}, union ${per.union.toFixed(4)}, encode ${per.encode.toFixed(3)}, ` +
  `verify ${per.verify.toFixed(3)}, publish ${per.publish.toFixed(4)}; reference ${(results.secondsPerStage.reference ?? 0).toFixed(2)} s per class`);
if (results.memory) {
  console.log('peak memory per stage (MiB, node / ffmpeg children) vs configured Lambda memory:');
  const fnOf: Record<string, keyof typeof LAMBDA_MB> = { 'hash+reference': 'prepare', align: 'align', union: 'union', encode: 'encode', verify: 'verify', publish: 'publish' };
  for (const [stage, m] of Object.entries(results.memory)) {
    const fn = fnOf[stage];
    console.log(`  ${stage.padEnd(15)} ${String(m.peakRssMb).padStart(7)} / ${String(m.peakChildRssMb).padStart(6)}${fn ? `   (${fn}: ${LAMBDA_MB[fn]} MB)` : ''}`);
  }
}
console.log(`prices: ${PRICES.asOf}; segments of ${segmentFrames} frames; ${params.classes} class(es); S3 latency ${params.s3LatencyMs} ms per sequential reducer read`);
const rows: [string, (l: CostLine) => string][] = [
  ['segments', (l) => String(l.segments)],
  ['partial unions (L1 / L2)', (l) => `${k(l.partials.level1)} / ${k(l.partials.level2)}`],
  ['Lambda GB-s', (l) => l.lambdaGbSeconds.toFixed(0)],
  ['Lambda requests', (l) => k(l.lambdaRequests)],
  ['state transitions (Std)', (l) => k(l.stateTransitions)],
  ['Express child runs', (l) => k(l.expressRequests)],
  ['S3 PUT/LIST', (l) => k(l.s3PutList)],
  ['S3 GET/HEAD', (l) => k(l.s3Get)],
  ['storage GB before', (l) => l.storageGbBefore.toFixed(3)],
  ['storage GB after', (l) => l.storageGbAfter.toFixed(4)],
  ['$ Lambda', (l) => $(l.dollars.lambda)],
  ['$ Step Functions', (l) => $(l.dollars.stepFunctions)],
  ['$ S3 requests', (l) => $(l.dollars.s3Requests)],
  ['$ compress once (+work/)', (l) => $(l.dollars.compressOnce)],
  ['$ per 1,000 images', (l) => $((l.dollars.compressOnce * 1000) / l.images)],
  ['$/month stored before', (l) => $(l.dollars.storagePerMonthBefore)],
  ['$/month stored after', (l) => $(l.dollars.storagePerMonthAfter)],
  ['longest invocation (s)', (l) => `${l.longestInvocation.seconds.toFixed(0)} ${l.longestInvocation.fn}`],
  ['union reducer (s)', (l) => l.invocations.union.toFixed(1)],
  ['publish (s)', (l) => l.invocations.publish.toFixed(1)],
  [`wall time (concurrency ${params.concurrency})`, (l) => `${(l.wallSeconds / 60).toFixed(1)} min`],
];
console.log(`${'images'.padEnd(28)}${sizes.map((s) => k(s).padStart(22)).join('')}`);
for (const [label, f] of rows) console.log(`${label.padEnd(28)}${lines.map((l) => f(l).padStart(22)).join('')}`);
for (const l of lines) {
  for (const [fn, seconds] of Object.entries(l.invocations)) {
    const limit = LAMBDA_TIMEOUT_S[fn];
    if (seconds > limit) console.log(`NOTE: at ${k(l.images)} images the ${fn} invocation would run ${seconds.toFixed(0)} s, over its ${limit} s timeout${limit < 900 ? '' : " (Lambda's limit)"}.`);
  }
  // the state machine's timeout (infra/adreel-stack.ts)
  if (l.wallSeconds > 4 * 3600) console.log(`NOTE: at ${k(l.images)} images the run would take ${(l.wallSeconds / 3600).toFixed(1)} h, over the state machine's 4 h timeout.`);
}
