// Shared set-up of the local end-to-end tests: s3rver, a generated dataset, uploads and restored-frame hashes.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { frameSha256 } from '../../lambdas/core/hash.ts';
import { decodeImage } from '../../lambdas/core/image-io.ts';
import type { LocalS3 } from '../../infra/local/s3rver.ts';
import { S3Storage } from '../../lambdas/storage/s3.ts';

export const INGEST = 'adreel-ingest';
export const OUTPUT = 'adreel-output';
/** pinned threads: the reel is then reproducible, so local and cloud runs decode to the same pixels */
export const OPTIONS = { threads: 1, preset: 'ultrafast' as const, crf: 28 };

export async function uploadFolder(s3: LocalS3, dir: string, dataset: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  const store = new S3Storage(s3.client, INGEST, dataset);
  for (const n of names) await store.putFile(n, join(dir, n));
  return names;
}

export async function writeMarker(s3: LocalS3, dataset: string, options: object = OPTIONS): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: INGEST, Key: `${dataset}/_READY`, Body: JSON.stringify({ options }) }));
}

/** name -> sha256 of the decoded pixels, for PNG files in a folder or below an S3 prefix */
export async function pixelHashesOfFolder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(dir)).filter((f) => f.endsWith('.png')).sort()) {
    out[n] = frameSha256((await decodeImage(await readFile(join(dir, n)), n)).image);
  }
  return out;
}

export async function pixelHashesOfPrefix(s3: LocalS3, prefix: string): Promise<Record<string, string>> {
  const store = new S3Storage(s3.client, OUTPUT, prefix);
  const out: Record<string, string> = {};
  for (const o of (await store.list('')).filter((x) => x.key.endsWith('.png'))) {
    out[o.key] = frameSha256((await decodeImage(await store.get(o.key), o.key)).image);
  }
  return out;
}
