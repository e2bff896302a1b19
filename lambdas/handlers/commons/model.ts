// The model engine in the cloud: the stack passes the ONNX model's S3 location; each container downloads it to /tmp
// once and hands its local path to the core as a parameter, so the core never talks to S3 (nor reads env) itself.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rename, stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Storage } from '../../storage/s3.ts';

let ready: Promise<string> | undefined;

/** The local path of the stack's model (downloaded once per container), or undefined without one. */
export function ensureModel(s3: S3Client, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const uri = env.ADREEL_MODEL_S3_URI;
  if (!uri) return Promise.resolve(undefined);
  ready ??= (async () => {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw new Error(`ADREEL_MODEL_S3_URI must be s3://bucket/key, got ${uri}`);
    const local = join(tmpdir(), 'adreel-segment-model.onnx');
    const have = await stat(local).catch(() => undefined);
    if (!have) {
      // download beside and rename, so a cut-off download is never taken for the model by the next invocation
      await new S3Storage(s3, m[1]).getFile(m[2], `${local}.partial`);
      await rename(`${local}.partial`, local);
    }
    return local;
  })();
  return ready;
}
