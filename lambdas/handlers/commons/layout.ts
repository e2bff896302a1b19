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
import { KEYS } from '../../core/compress/job.ts';
import type { FunctionConfig } from './config.ts';

export const ITEMS_KEY = '.work/items.json';
export const UNION_KEY = '.work/union.json';
export const ENCODED_KEY = '.work/encoded.json';
/** the reel's segment plan (frame ranges and the images in each), written by the union function */
export const SEGMENTS_KEY = '.work/segments.json';
/** what the encode function recorded for one segment (sha256, per-frame decoded hashes), read by verify and publish */
export const segmentRecordKey = (i: number) => `.work/segments/${String(i).padStart(6, '0')}.json`;
/** the classes of an upload (one entry for a single dataset), written by discover, read by the class Map */
export const CLASSES_KEY = '.work/classes.json';
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
    { prefix: KEYS.work, store: new S3Storage(s3, cfg.outputBucket, workPrefix(r)) },
  ]);
}

/** The dataset's images in the ingest bucket (never written). */
export function ingestStore(s3: S3Client, cfg: FunctionConfig): S3Storage {
  return new S3Storage(s3, cfg.ingestBucket);
}

export function outputStore(s3: S3Client, cfg: FunctionConfig): S3Storage {
  return new S3Storage(s3, cfg.outputBucket);
}
