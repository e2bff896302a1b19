// Opening the current published run of a dataset (through LATEST.json), checked: the manifest must be the one the
// pointer was written for.
import type { S3Client } from '@aws-sdk/client-s3';
import { KEYS } from '../../core/compress/job.ts';
import { IntegrityError } from '../../ground/errors.ts';
import { sha256 } from '../../core/hash.ts';
import { S3Storage } from '../../storage/s3.ts';
import type { FunctionConfig } from './config.ts';
import { outputStore, pointerKey, type LatestPointer } from './layout.ts';
import { readJson } from './run-state.ts';

export async function openPublished(s3: S3Client, cfg: FunctionConfig, dataset: string): Promise<{ store: S3Storage; pointer: LatestPointer }> {
  const out = outputStore(s3, cfg);
  const key = pointerKey(dataset);
  if (!(await out.head(key))) throw new IntegrityError(`${out.description}/${key}`, `dataset "${dataset}" has no published run`);
  const pointer = await readJson<LatestPointer>(out, key);
  const store = out.child(pointer.prefix);
  const sha = sha256(await store.get(KEYS.manifest));
  if (sha !== pointer.manifestSha256) {
    throw new IntegrityError(`${store.description}/${KEYS.manifest}`, 'manifest differs from the one published: tampered or replaced');
  }
  return { store, pointer };
}
