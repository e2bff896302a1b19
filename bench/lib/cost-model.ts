// The cost of compressing a dataset in the cloud, from MEASURED stage times and memory (the results file
// bench/stages.ts writes) and the stack's configuration. Pure arithmetic, unit-tested on a small fake results file.
//
// What is measured and what is assumed:
//   - seconds per image of each stage: measured (bench/stages.ts, the CLI path, local disk, this machine's 2 cores);
//     a Lambda stage is assumed to take the same time (3008 MB ~ 1.7 vCPU, 2048 MB ~ 1.2 vCPU), plus
//     `s3LatencyMs` for each S3 round trip a function makes one after another.
//   - the union reducer and publish's record reads: from the partial unions (PARTIAL_UNION, measured by
//     bench/union-partials.ts), not per image: see the analysis there.
//   - peak memory per stage: measured; reported beside the configured Lambda memory (billing uses the configured size).
//   - Lambda memory sizes, timeouts and Map settings: the stack's own table (infra/sizing.ts), threshold engine.
//   - requests per image: counted from the handlers' code (lambdas/handlers), listed in S3_PER_IMAGE.
//   - work/ intermediates (aligned PNG + mask + record per image) live until the 7-day lifecycle rule removes them;
//     their size is taken as the input image size (an aligned PNG is the same kind of image).
import { DEFAULT_MAP, FUNCTION_SIZING, memoryMb, type FunctionName } from '../../infra/sizing.ts';
import { PRICES, type Prices } from './prices.ts';

export interface StageResults {
  images: number;
  secondsPerStage: Record<string, number>;
  inputBytes: number;
  reelBytes: number;
  outputBytes: number;
  segments?: number;
  memory?: Record<string, { peakRssMb: number; peakChildRssMb: number; maxRssMb: number }>;
  /** the encoded region (for the automatic segment length) */
  frame?: { width: number; height: number; mode: 'grey' | 'rgb'; crop: { width: number; height: number } | null };
}

const PRICED = ['start', 'discover', 'prepare', 'align', 'union', 'encode', 'verify', 'publish', 'summarize'] as const;
/** Configured Lambda memory (MB) of the functions a compress run invokes (infra/sizing.ts, threshold engine). */
export const LAMBDA_MB = Object.fromEntries(PRICED.map((fn) => [fn, memoryMb(fn)])) as Record<(typeof PRICED)[number], number>;
const timeoutS = (fn: FunctionName) => FUNCTION_SIZING[fn].timeoutSeconds;
/** Configured Lambda timeouts (s), infra/sizing.ts, by invocation kind (see CostLine.invocations). */
export const LAMBDA_TIMEOUT_S: Record<string, number> = {
  prepare: timeoutS('prepare'),
  'align (batch)': timeoutS('align'),
  union: timeoutS('union'),
  'encode (segment)': timeoutS('encode'),
  'verify (segment)': timeoutS('verify'),
  publish: timeoutS('publish'),
};
/** Align items per Distributed Map batch. */
export const ALIGN_BATCH = DEFAULT_MAP.maxItemsPerBatch;
/** Encode Lambdas per class at once. */
export const ENCODE_CONCURRENCY = DEFAULT_MAP.encodeConcurrency;
/** Small functions whose time was not measured by the benchmark (they do a listing or a few reads): estimates. */
export const FIXED_SECONDS = { start: 0.3, discover: 0.5, summarize: 0.5 } as const;
/**
 * Partial unions (lambdas/core/compress/partial-union.ts): each align batch ORs its object masks into one PNG and
 * writes it with its records (level 1); the batch completing a group of 1,024 images merges the group's (level 2);
 * the union reducer and publish read one level-2 partial per group instead of a mask and a record per image.
 * Measured by bench/union-partials.ts (aligned 1024x1024 screw masks, 10% set; this machine; S3 client CPU
 * against s3rver). The reducer is CPU-bound, not latency-bound: the S3 SDK spends ~1.5 ms of CPU per request and a
 * 1 MP mask PNG takes ~7 ms to decode and OR, so 16 reads in flight hide a 10 ms latency entirely.
 *   per image, before (HEAD+GET mask ~2.9 ms + decode/OR ~7 ms; HEAD+GET+parse record ~2.9 ms):  ~12.8 ms
 *       100,000 images: ~1,300 s                1,000,000 images: ~12,800 s
 *   one level, a partial per align batch of 8 (its records in its sidecar): 10.5 ms per partial
 *       100,000: 12,500 partials, ~130 s         1,000,000: 125,000 partials, ~1,300 s: over Lambda's 900 s
 *   two levels, a partial per group of 1,024 (1,024 records + PNG): 21 ms per partial
 *       100,000: 98 partials, ~2 s               1,000,000: 977 partials, ~21 s
 * One level does not fit at 1,000,000 images, so the second level is implemented. Both levels are measured on one
 * full core; the union Lambda's 1024 MB is ~0.58 vCPU, so ~1.7x that: ~36 s at 1,000,000 images, well inside its
 * 300 s timeout (records then take ~0.6 GB of its heap: ~560 B each). Records alone, per file, would be ~2,900 s.
 * If a level 2 is missing or unusable, its group falls back to its level 1s (and an image without a partial to its
 * own mask and record): correct, only slower.
 */
export const PARTIAL_UNION = {
  /** images per level-2 group (GROUP_ENTRIES) */
  groupEntries: 1024,
  /** align, per batch: read back its masks, OR, encode, write its level 1 (53 ms on local disk) + the SDK's CPU for
   * 8 HEAD + 8 GET + 2 PUT + 1 LIST (the group's completeness) */
  batchSeconds: 0.053 + 19 * 0.0015,
  /** S3 round trips per batch one after another: read-back (8 at once, HEAD then GET), 2 PUTs, 1 LIST */
  batchRoundTrips: 5,
  /** align, the batch completing a group: merge its 128 level 1s (0.87 s on local disk) + the SDK's CPU for 256 GETs */
  groupSeconds: 0.87 + 256 * 0.0015,
  /** ... and its round trips one after another: LIST, 256 GETs 8 at once, 2 PUTs */
  groupRoundTrips: 1 + 256 / 8 + 2,
  /** union, per level-2 partial: GET + parse its 1,024 records, GET + decode + OR its PNG (CPU) */
  level2Seconds: 0.021,
  /** publish, per level-2 partial: its sidecar only (readDrafts: GET + parse the records) */
  sidecarSeconds: 0.0054,
  /** union: grow the union by the margin, encode it, measure it */
  finishSeconds: 0.05,
} as const;
/** Partials read at once by the union reducer and by publish (UNION_READ_CONCURRENCY). */
export const UNION_READ_CONCURRENCY = 16;
/** Union: job GET, failures LIST, then 3 PUTs (mask, union, segment plan), one after another. */
const UNION_ROUND_TRIPS = 5;
/** The Express child workflows of the align Map are billed in 64 MB steps. */
const EXPRESS_GB = 0.064;

/** S3 requests per image and per fixed event, counted from the handlers (see the file comment). */
export const S3_PER_IMAGE = {
  // upload: 1 PUT; align: 3 PUTs (aligned frame, object mask, record)
  put: 4,
  // align: GET source, HEAD+GET its object mask again for the batch's partial union; encode: GET aligned twice
  // (encode, decode check). Union and publish read no per-image object: records and masks come in the partials.
  get: 5,
};
/** Per align batch: job, reference, reference mask (once per warm container, counted per batch), and its level 1
 * read by the batch completing its group (sidecar + PNG); its level 1 written (PNG + sidecar) and 1 LIST. */
export const S3_PER_ALIGN_BATCH = { get: 3 + 2, put: 2 + 1 };
/** Per group of 1,024 images: its level 2 written (PNG + sidecar); read by union (sidecar + PNG) and publish (sidecar). */
export const S3_PER_GROUP = { put: 2, get: 3 };
export const S3_PER_SEGMENT = { put: 2, get: 12 }; // encode: segment + record PUT, job/plan/union/mask GET; verify: 4 GET + HEAD + GET; publish: HEAD+GET
export const S3_PER_CLASS = { put: 12, get: 14 }; // prepare: 4 PUT + ~10 GET; union: 3 PUT + LIST; publish: 2 PUT + 4 GET; map reader/writer; summary
export const LIST_PAGE = 1000;

export interface CostParams {
  images: number;
  classes?: number;
  /** frames per segment; default: images per segment of the benchmark run */
  segmentFrames: number;
  /** align Lambdas at once (DEFAULT_MAP.maxConcurrency is 40) */
  concurrency: number;
  /** latency of one sequential S3 read in the reducers */
  s3LatencyMs?: number;
}

export interface CostLine {
  images: number;
  segments: number;
  /** partial unions written: one per align batch (level 1), one per group of images (level 2; the reducers read these) */
  partials: { level1: number; level2: number };
  lambdaGbSeconds: number;
  lambdaRequests: number;
  stateTransitions: number;
  expressRequests: number;
  s3PutList: number;
  s3Get: number;
  storageGbBefore: number;
  storageGbAfter: number;
  /** work/ intermediates, GB-months (kept 7 days) */
  workGbMonths: number;
  dollars: {
    lambda: number;
    stepFunctions: number;
    s3Requests: number;
    /** one-time: Lambda + Step Functions + S3 requests + work/ storage */
    compressOnce: number;
    storagePerMonthBefore: number;
    storagePerMonthAfter: number;
  };
  /** seconds per Lambda invocation of the longest-running kind (must stay under 900) */
  longestInvocation: { fn: string; seconds: number };
  /** seconds per Lambda invocation, by kind (per class for prepare, union, publish) */
  invocations: Record<string, number>;
  wallSeconds: number;
}

const GB = 1024 ** 3;

export function perImageSeconds(r: StageResults): Record<'align' | 'union' | 'encode' | 'verify' | 'publish', number> {
  const s = r.secondsPerStage;
  return {
    align: (s.align ?? 0) / r.images,
    union: (s.union ?? 0) / r.images,
    encode: (s.encode ?? 0) / r.images,
    verify: (s.verify ?? 0) / r.images,
    publish: (s.publish ?? 0) / r.images,
  };
}

export function costFor(r: StageResults, p: CostParams, prices: Prices = PRICES): CostLine {
  const n = p.images;
  const classes = p.classes ?? 1;
  const perClass = n / classes;
  const per = perImageSeconds(r);
  const latency = (p.s3LatencyMs ?? 0) / 1000;
  const segmentsPerClass = Math.ceil(perClass / p.segmentFrames);
  const segments = segmentsPerClass * classes;
  const batchesPerClass = Math.ceil(perClass / ALIGN_BATCH);
  const batches = batchesPerClass * classes;
  const groupsPerClass = Math.ceil(perClass / PARTIAL_UNION.groupEntries);
  const groups = groupsPerClass * classes;
  const ref = r.secondsPerStage.reference ?? 0;

  // the partial unions: written by the align batches, read by the union reducer and publish (see PARTIAL_UNION)
  const batchExtra = PARTIAL_UNION.batchSeconds + PARTIAL_UNION.batchRoundTrips * latency;
  const groupExtra = PARTIAL_UNION.groupSeconds + PARTIAL_UNION.groupRoundTrips * latency;
  const listPages = Math.ceil((2 * groupsPerClass) / LIST_PAGE);
  // reads overlap UNION_READ_CONCURRENCY at once: CPU-bound unless the latency is the larger
  const overlapped = (cpu: number, requests: number) => Math.max(cpu, (requests / UNION_READ_CONCURRENCY) * latency);
  const unionSeconds =
    (UNION_ROUND_TRIPS + listPages) * latency + overlapped(groupsPerClass * PARTIAL_UNION.level2Seconds, 2 * groupsPerClass) + PARTIAL_UNION.finishSeconds;
  const publishSeconds = perClass * per.publish + listPages * latency + overlapped(groupsPerClass * PARTIAL_UNION.sidecarSeconds, groupsPerClass);

  // seconds billed per function (summed over invocations)
  const seconds = {
    start: FIXED_SECONDS.start,
    discover: FIXED_SECONDS.discover,
    summarize: FIXED_SECONDS.summarize * classes,
    prepare: ref * classes,
    align: n * per.align + batches * batchExtra + groups * groupExtra,
    union: unionSeconds * classes,
    // the encode Lambda encodes and then decodes its segment once (the decode check); verify decodes it again
    encode: n * (per.encode + per.verify),
    verify: n * per.verify,
    publish: publishSeconds * classes,
  };
  const lambdaGbSeconds = Object.entries(seconds).reduce((a, [fn, s]) => a + (s * LAMBDA_MB[fn as keyof typeof LAMBDA_MB]) / 1024, 0);
  const lambdaRequests = 1 + 1 + 1 + classes * 3 + batches + 2 * segments; // start, discover, summarize; prepare/union/publish; align; encode+verify
  // Standard transitions: DiscoverClasses, ClassMap, Summarize, Done; per class PrepareReference, AlignMaskMap,
  // UnionMask, EncodeMap, Publish; per segment Encode, Verify
  const stateTransitions = 4 + classes * 5 + 2 * segments;
  const expressRequests = batches;
  const expressGbSeconds = n * per.align * EXPRESS_GB;

  const lists = 3 * Math.ceil(n / LIST_PAGE) + 2 * listPages * classes; // discover + prepare (2 listings); level 2s by union and publish
  const s3PutList =
    n * S3_PER_IMAGE.put + batches * S3_PER_ALIGN_BATCH.put + groups * S3_PER_GROUP.put + segments * S3_PER_SEGMENT.put + classes * S3_PER_CLASS.put + lists + 1; // + marker
  const s3Get = n * S3_PER_IMAGE.get + batches * S3_PER_ALIGN_BATCH.get + groups * S3_PER_GROUP.get + segments * S3_PER_SEGMENT.get + classes * S3_PER_CLASS.get;

  const inputPerImage = r.inputBytes / r.images;
  const outputPerImage = r.outputBytes / r.images;
  const storageGbBefore = (n * inputPerImage) / GB;
  const storageGbAfter = (n * outputPerImage) / GB;
  const workGbMonths = ((n * inputPerImage) / GB) * (7 / 30.4);

  const lambda = lambdaGbSeconds * prices.lambda.gbSecond + lambdaRequests * prices.lambda.request;
  const stepFunctions =
    stateTransitions * prices.stepFunctions.standardTransition +
    expressRequests * prices.stepFunctions.expressRequest +
    expressGbSeconds * prices.stepFunctions.expressGbSecond;
  const s3Requests = s3PutList * prices.s3.putOrList + s3Get * prices.s3.get;
  const workStorage = workGbMonths * prices.s3.gbMonth;

  // wall time: align batches spread over `concurrency` Lambdas, segments over ENCODE_CONCURRENCY; reducers sequential
  const segmentSeconds = Math.min(p.segmentFrames, perClass) * (per.encode + per.verify);
  const verifySeconds = Math.min(p.segmentFrames, perClass) * per.verify;
  const alignWaves = Math.ceil(batchesPerClass / p.concurrency);
  const encodeWaves = Math.ceil(segmentsPerClass / ENCODE_CONCURRENCY);
  const batchSeconds = ALIGN_BATCH * per.align + batchExtra;
  // the last group's merge is on the critical path (the others overlap later batches)
  const classWall = ref + alignWaves * batchSeconds + groupExtra + unionSeconds + encodeWaves * (segmentSeconds + verifySeconds) + publishSeconds;
  const classWaves = Math.ceil(classes / 10);
  const wallSeconds = FIXED_SECONDS.start + FIXED_SECONDS.discover + classWaves * classWall + FIXED_SECONDS.summarize;

  const invocations: [string, number][] = [
    ['prepare', ref],
    // the batch that completes a group also merges it
    ['align (batch)', batchSeconds + groupExtra],
    ['union', unionSeconds],
    ['encode (segment)', segmentSeconds],
    ['verify (segment)', verifySeconds],
    ['publish', publishSeconds],
  ];
  const longest = invocations.reduce((a, b) => (b[1] > a[1] ? b : a));

  return {
    images: n,
    segments,
    partials: { level1: batches, level2: groups },
    lambdaGbSeconds,
    lambdaRequests,
    stateTransitions,
    expressRequests,
    s3PutList,
    s3Get,
    storageGbBefore,
    storageGbAfter,
    workGbMonths,
    dollars: {
      lambda,
      stepFunctions,
      s3Requests,
      compressOnce: lambda + stepFunctions + s3Requests + workStorage,
      storagePerMonthBefore: storageGbBefore * prices.s3.gbMonth,
      storagePerMonthAfter: storageGbAfter * prices.s3.gbMonth,
    },
    longestInvocation: { fn: longest[0], seconds: longest[1] },
    invocations: Object.fromEntries(invocations),
    wallSeconds,
  };
}
