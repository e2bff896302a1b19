// Fakes for handler unit tests: a local folder stands in for each bucket (LocalStorage, the same Storage port the
// handlers get in the cloud), no model, no env.
import { join } from 'node:path';
import type { HandlerDeps } from '../../../lambdas/handlers/commons/deps.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';

export const INGEST = 'ingest';
export const OUTPUT = 'output';

export async function fakeDeps(dir: string, env: Record<string, string> = {}, modelPath?: string): Promise<HandlerDeps> {
  return {
    ingestBucket: INGEST,
    outputBucket: OUTPUT,
    ingest: new LocalStorage(join(dir, INGEST)),
    output: (prefix = '') => new LocalStorage(join(dir, OUTPUT, prefix)),
    modelPath: async () => modelPath,
    env,
  };
}

/** The EventBridge "Object Created" event for `key` in `bucket`. */
export function markerEvent(bucket: string, key: string, versionId = 'v1') {
  return {
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: bucket }, object: { key, size: 0, 'version-id': versionId } },
  };
}
