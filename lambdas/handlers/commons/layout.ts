// Where a run's objects live. Ingest bucket: `<dataset>/<images>` and the `<dataset>/_READY` marker (read only).
// Output bucket:
//   datasets/<dataset>/runs/<runId>/   the published artifacts of one run (manifest.json written last)
//   datasets/<dataset>/LATEST.json     which run is current; written after the run's manifest, so readers never
//                                      see a run that is still being written
//   work/<dataset>/<runId>/.work/...   intermediates (expired by a lifecycle rule on work/)
//   restored/..., transformed/...      restore and transform outputs
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Storage } from '../../storage/s3.ts';
import { RoutedStorage } from '../../storage/routed.ts';
import type { Storage } from '../../ground/storage.ts';
import type { RunRef } from '../../ground/run-contract.ts';
import type { FunctionConfig } from './config.ts';
import { WORK_PREFIX } from '../../core/run-state/index.ts';

export const RESTORED_PREFIX = 'restored/';
export const TRANSFORMED_PREFIX = 'transformed/';

export const pointerKey = (dataset: string) => `datasets/${dataset}/LATEST.json`;
export const runPrefix = (r: RunRef) => `datasets/${r.dataset}/runs/${r.runId}`;
export const workPrefix = (r: RunRef) => `work/${r.dataset}/${r.runId}`;

export interface LatestPointer {
  runId: string;
  /** prefix of the run's artifacts in the output bucket */
  prefix: string;
  manifestSha256: string;
  publishedAt: string;
}

/** The stage functions' target store: artifacts under the run prefix, `.work/...` under the work prefix. */
export function runStore(s3: S3Client, cfg: FunctionConfig, r: RunRef): Storage {
  return new RoutedStorage(new S3Storage(s3, cfg.outputBucket, runPrefix(r)), [
    { prefix: WORK_PREFIX, store: new S3Storage(s3, cfg.outputBucket, workPrefix(r)) },
  ]);
}

/** The dataset's images in the ingest bucket (never written). */
export function ingestStore(s3: S3Client, cfg: FunctionConfig): S3Storage {
  return new S3Storage(s3, cfg.ingestBucket);
}

export function outputStore(s3: S3Client, cfg: FunctionConfig): S3Storage {
  return new S3Storage(s3, cfg.outputBucket);
}
