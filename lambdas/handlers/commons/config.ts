// Function configuration from the environment the stack sets. ADREEL_S3_ENDPOINT is for local runs only (s3rver).
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { tracer } from './powertools.ts';

export interface FunctionConfig {
  ingestBucket: string;
  outputBucket: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const ingestBucket = env.INGEST_BUCKET;
  const outputBucket = env.OUTPUT_BUCKET;
  if (!ingestBucket || !outputBucket) throw new Error('INGEST_BUCKET and OUTPUT_BUCKET must be set');
  return { ingestBucket, outputBucket };
}

let s3: S3Client | undefined;

/** One S3 client per container, reused by warm invocations. */
export function s3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  if (!s3) {
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
    s3 = tracer.captureAWSv3Client(new S3Client(config));
  }
  return s3;
}

/** Local harnesses point the functions at a different server between tests. */
export function resetClients(): void {
  s3?.destroy();
  s3 = undefined;
}
