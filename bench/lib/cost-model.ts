// The cost of compressing a dataset in the cloud, from MEASURED stage times and memory (the results file
// bench/stages.ts writes) and the stack's configuration. Pure arithmetic, unit-tested on a small fake results file.
//
// What is measured and what is assumed:
//   - seconds per image of each stage: measured (bench/stages.ts, the CLI path, local disk, this machine's 2 cores);
//     a Lambda stage is assumed to take the same time (3008 MB ~ 1.7 vCPU, 2048 MB ~ 1.2 vCPU), plus
//     `s3LatencyMs` for each S3 round trip a reducer makes one after another (union, publish).
//   - peak memory per stage: measured; reported beside the configured Lambda memory (billing uses the configured size).
//   - Lambda memory sizes and Map settings: the stack's (infra/adreel-stack.ts), copied in LAMBDA_MB below.
//   - requests per image: counted from the handlers' code (lambdas/handlers), listed in S3_PER_IMAGE.
//   - work/ intermediates (aligned PNG + mask + record per image) live until the 7-day lifecycle rule removes them;
//     their size is taken as the input image size (an aligned PNG is the same kind of image).
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

/** Configured Lambda memory (MB), from infra/adreel-stack.ts. */
export const LAMBDA_MB = { start: 256, discover: 512, prepare: 2048, align: 2048, union: 1024, encode: 3008, verify: 1024, publish: 512, summarize: 512 } as const;
/** Align items per Distributed Map batch (DEFAULT_MAP.maxItemsPerBatch). */
export const ALIGN_BATCH = 8;
/** Encode Lambdas per class at once (DEFAULT_MAP.encodeConcurrency). */
export const ENCODE_CONCURRENCY = 20;
/** Small functions whose time was not measured by the benchmark (they do a listing or a few reads): estimates. */
export const FIXED_SECONDS = { start: 0.3, discover: 0.5, summarize: 0.5 } as const;
/** Sequential S3 round trips per image in the reducers: union reads each object mask one after another (HEAD+GET,
 * lambdas/core/compress/union.ts) and the records 32 at a time (HEAD+GET); publish reads the records 32 at a time. */
export const UNION_ROUND_TRIPS = 2 + 2 / 32;
export const PUBLISH_ROUND_TRIPS = 2 / 32;
/** The Express child workflows of the align Map are billed in 64 MB steps. */
const EXPRESS_GB = 0.064;

/** S3 requests per image and per fixed event, counted from the handlers (see the file comment). */
export const S3_PER_IMAGE = {
  // upload: 1 PUT; align: 3 PUTs (aligned frame, object mask, record)
  put: 4,
  // align: GET source; union: HEAD+GET record, HEAD+GET mask; encode: GET aligned twice (encode, decode check);
  // publish: HEAD+GET record
  get: 9,
};
export const S3_PER_ALIGN_BATCH = { get: 3 }; // job, reference, reference mask (once per warm container, counted per batch)
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
  const batches = Math.ceil(perClass / ALIGN_BATCH) * classes;
  const ref = r.secondsPerStage.reference ?? 0;

  // seconds billed per function (summed over invocations)
  const seconds = {
    start: FIXED_SECONDS.start,
    discover: FIXED_SECONDS.discover,
    summarize: FIXED_SECONDS.summarize * classes,
    prepare: ref * classes,
    align: n * per.align,
    union: n * (per.union + UNION_ROUND_TRIPS * latency),
    // the encode Lambda encodes and then decodes its segment once (the decode check); verify decodes it again
    encode: n * (per.encode + per.verify),
    verify: n * per.verify,
    publish: n * (per.publish + PUBLISH_ROUND_TRIPS * latency),
  };
  const lambdaGbSeconds = Object.entries(seconds).reduce((a, [fn, s]) => a + (s * LAMBDA_MB[fn as keyof typeof LAMBDA_MB]) / 1024, 0);
  const lambdaRequests = 1 + 1 + 1 + classes * 3 + batches + 2 * segments; // start, discover, summarize; prepare/union/publish; align; encode+verify
  // Standard transitions: DiscoverClasses, ClassMap, Summarize, Done; per class PrepareReference, AlignMaskMap,
  // UnionMask, EncodeMap, Publish; per segment Encode, Verify
  const stateTransitions = 4 + classes * 5 + 2 * segments;
  const expressRequests = batches;
  const expressGbSeconds = n * per.align * EXPRESS_GB;

  const lists = 3 * Math.ceil(n / LIST_PAGE); // discover + prepare (2 listings)
  const s3PutList = n * S3_PER_IMAGE.put + segments * S3_PER_SEGMENT.put + classes * S3_PER_CLASS.put + lists + 1; // + marker
  const s3Get = n * S3_PER_IMAGE.get + batches * S3_PER_ALIGN_BATCH.get + segments * S3_PER_SEGMENT.get + classes * S3_PER_CLASS.get;

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
  const alignWaves = Math.ceil(Math.ceil(perClass / ALIGN_BATCH) / p.concurrency);
  const encodeWaves = Math.ceil(segmentsPerClass / ENCODE_CONCURRENCY);
  const classWall =
    ref + alignWaves * ALIGN_BATCH * per.align + perClass * (per.union + UNION_ROUND_TRIPS * latency) + encodeWaves * (segmentSeconds + verifySeconds) + perClass * (per.publish + PUBLISH_ROUND_TRIPS * latency);
  const classWaves = Math.ceil(classes / 10);
  const wallSeconds = FIXED_SECONDS.start + FIXED_SECONDS.discover + classWaves * classWall + FIXED_SECONDS.summarize;

  const invocations: [string, number][] = [
    ['prepare', ref],
    ['align (batch)', ALIGN_BATCH * per.align],
    ['union', perClass * (per.union + UNION_ROUND_TRIPS * latency)],
    ['encode (segment)', segmentSeconds],
    ['verify (segment)', verifySeconds],
    ['publish', perClass * (per.publish + PUBLISH_ROUND_TRIPS * latency)],
  ];
  const longest = invocations.reduce((a, b) => (b[1] > a[1] ? b : a));

  return {
    images: n,
    segments,
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
    wallSeconds,
  };
}
