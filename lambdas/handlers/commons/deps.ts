// The handlers' composition root: what a handler needs from the outside world, built once per container from the
// environment the stack sets, on the first invocation (never at import, so loading a handler module has no side
// effect). Each handler is `createXHandler(deps)` and exports `handler = createXHandler(defaultDeps)`; tests and the
// local harness pass their own deps (a local folder standing in for a bucket, a fake state machine starter).
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { WORK_PREFIX } from '../../core/run-state/index.ts';
import type { RunRef } from '../../ground/run-contract.ts';
import type { Storage } from '../../ground/storage.ts';
import { RoutedStorage } from '../../storage/routed.ts';
import { S3Storage } from '../../storage/s3.ts';
import { runPrefix, workPrefix } from './layout.ts';
import { ensureModel } from './model.ts';
import { tracer } from './powertools.ts';

export interface HandlerDeps {
  readonly ingestBucket: string;
  readonly outputBucket: string;
  /** the ingest bucket (the pipeline only reads it) */
  readonly ingest: Storage;
  /** the output bucket below `prefix` ('' for its root) */
  output(prefix?: string): Storage;
  /** the stack's segmentation model in this container (downloaded once), or undefined without one */
  modelPath(): Promise<string | undefined>;
  /** raw env values only some handlers read (state machine ARN, restore fan-out), parsed by those handlers */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The stage functions' target store: artifacts under the run prefix, `.work/...` under the work prefix. */
export function runStore(deps: HandlerDeps, r: RunRef): Storage {
  return new RoutedStorage(deps.output(runPrefix(r)), [{ prefix: WORK_PREFIX, store: deps.output(workPrefix(r)) }]);
}

/** An S3 client from the environment; ADREEL_S3_ENDPOINT is for local runs only (s3rver). */
export function s3ClientFromEnv(env: NodeJS.ProcessEnv): S3Client {
  const config: S3ClientConfig = {};
  if (env.ADREEL_S3_ENDPOINT) {
    Object.assign(config, {
      endpoint: env.ADREEL_S3_ENDPOINT,
      region: env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'S3RVER', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER' },
      // s3rver corrupts uploads that carry the SDK's default streaming checksums
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    } satisfies S3ClientConfig);
  }
  return tracer.captureAWSv3Client(new S3Client(config));
}

/** Deps over S3 for the given buckets and client. */
export function s3Deps(s3: S3Client, ingestBucket: string, outputBucket: string, env: NodeJS.ProcessEnv): HandlerDeps {
  let model: Promise<string | undefined> | undefined;
  return {
    ingestBucket,
    outputBucket,
    ingest: new S3Storage(s3, ingestBucket),
    output: (prefix = '') => new S3Storage(s3, outputBucket, prefix),
    modelPath: () => (model ??= ensureModel(s3, env)),
    env: { ...env },
  };
}

let built: HandlerDeps | undefined;

/** The deployed functions' deps: the environment is parsed on the first call, then reused by warm invocations. */
export function defaultDeps(): HandlerDeps {
  if (!built) {
    const env = process.env;
    const ingestBucket = env.INGEST_BUCKET;
    const outputBucket = env.OUTPUT_BUCKET;
    if (!ingestBucket || !outputBucket) throw new Error('INGEST_BUCKET and OUTPUT_BUCKET must be set');
    built = s3Deps(s3ClientFromEnv(env), ingestBucket, outputBucket, env);
  }
  return built;
}
