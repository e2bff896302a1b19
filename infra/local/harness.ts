// Driving the local serverless pipeline (s3rver + the synthesized state machine + the real handlers): uploads,
// the _READY marker, restored-frame pixel hashes, and one complete "upload -> state machine -> restore" run.
// Used by the e2e tests (test/e2e/harness.ts re-exports this), `adreel demo` and bench/local-pipeline.ts.
import './quiet-env.ts';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { MarkerOptionsInput } from '../../lambdas/core/compress/options.ts';
import { frameSha256 } from '../../lambdas/core/hash.ts';
import { decodeImage } from '../../lambdas/core/image-io.ts';
import { restoreFrames } from '../../lambdas/core/restore.ts';
import { resetClients } from '../../lambdas/handlers/commons/config.ts';
import { handler as restoreHandler, type RestoreResult } from '../../lambdas/handlers/restore.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';
import { S3Storage } from '../../lambdas/storage/s3.ts';
import { STATE_NAMES } from '../pipeline.ts';
import { LocalPipeline, type ExecutionRecord, type TaskHandler } from './pipeline.ts';
import { startLocalS3, type LocalS3 } from './s3rver.ts';

export const INGEST = 'adreel-ingest';
export const OUTPUT = 'adreel-output';
/** pinned threads: the reel is then reproducible, so local and cloud runs decode to the same pixels */
export const OPTIONS: MarkerOptionsInput = { threads: 1, preset: 'ultrafast' };

/** Puts every file of `dir` (sorted) below `<dataset>/` in the ingest bucket; returns the names. */
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

/** The CLI's restore of a compressed output folder into `dest` (one PNG per frame); returns the frame count. */
export async function restoreToFolder(outDir: string, dest: string): Promise<number> {
  await mkdir(dest, { recursive: true });
  let n = 0;
  for await (const f of restoreFrames(new LocalStorage(outDir))) {
    await writeFile(join(dest, f.fileName), f.png);
    n++;
  }
  return n;
}

export async function waitFor(cond: () => boolean, ms = 10_000, what = 'the marker event'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Two hash maps equal: same names, same pixels. */
export function sameHashes(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export interface LocalCloudRunOptions {
  /** folder of images, uploaded as is below `<dataset>/` */
  folder: string;
  dataset?: string;
  /** compress options written into the marker */
  options?: MarkerOptionsInput;
  /** restore handler's outputPrefix (below restored/) */
  outputPrefix?: string;
  /** how long to wait for the marker's event to start an execution */
  startTimeoutMs?: number;
}

export interface LocalCloudRun {
  status: ExecutionRecord['status'] | 'NOT STARTED';
  error?: { name: string; cause: string };
  executionName?: string;
  /** s3rver start + synthesizing the stack (not part of the pipeline) */
  setupSeconds: number;
  /** upload + marker -> execution finished -> restore handler returned */
  seconds: number;
  uploadSeconds: number;
  executionSeconds: number;
  restoreSeconds: number;
  /** seconds spent in each task state's handler, summed over its invocations */
  stateSeconds: Record<string, number>;
  uploaded: number;
  restore?: RestoreResult;
  /** restored PNG name -> sha256 of its decoded pixels (empty when the run failed) */
  hashes: Record<string, string>;
}

/**
 * One complete local cloud run: starts s3rver on a random 127.0.0.1 port, uploads the folder and the `_READY`
 * marker, lets the synthesized state machine run with the real handlers, invokes the real restore handler, and
 * hashes the restored frames. Everything it started is stopped before it returns. A failed execution is reported
 * in `status`/`error`, not thrown.
 */
export async function runLocalCloud(o: LocalCloudRunOptions): Promise<LocalCloudRun> {
  const dataset = o.dataset ?? 'local/demo';
  const outputPrefix = o.outputPrefix ?? 'restored/local-demo';
  const t0 = performance.now();
  const s3 = await startLocalS3([INGEST, OUTPUT]);
  let pipeline: LocalPipeline | undefined;
  try {
    const stateSeconds: Record<string, number> = {};
    const timed = (name: string) => (real: TaskHandler): TaskHandler => async (input) => {
      const s = performance.now();
      try {
        return await real(input);
      } finally {
        stateSeconds[name] = (stateSeconds[name] ?? 0) + (performance.now() - s) / 1000;
      }
    };
    // every state name: LocalPipeline wraps those that are task states and ignores the rest
    const wrap = Object.fromEntries(Object.values(STATE_NAMES).map((t) => [t, timed(t)]));
    pipeline = new LocalPipeline({ s3, ingestBucket: INGEST, outputBucket: OUTPUT, wrap });
    const p = pipeline;
    const t1 = performance.now();
    const names = await uploadFolder(s3, o.folder, dataset);
    await writeMarker(s3, dataset, o.options ?? OPTIONS);
    const t2 = performance.now();
    await waitFor(() => p.executions.size > 0, o.startTimeoutMs ?? 10_000);
    await p.settle();
    const t3 = performance.now();
    const [run] = p.executions.values();
    const base = {
      executionName: run?.name,
      setupSeconds: (t1 - t0) / 1000,
      uploadSeconds: (t2 - t1) / 1000,
      executionSeconds: (t3 - t2) / 1000,
      stateSeconds,
      uploaded: names.length,
    };
    if (!run || run.status !== 'SUCCEEDED') {
      return { ...base, status: run?.status ?? 'NOT STARTED', error: run?.error, seconds: (t3 - t1) / 1000, restoreSeconds: 0, hashes: {} };
    }
    const restore = (await restoreHandler({ dataset, outputPrefix })) as RestoreResult;
    const t4 = performance.now();
    const hashes = await pixelHashesOfPrefix(s3, outputPrefix);
    return { ...base, status: run.status, seconds: (t4 - t1) / 1000, restoreSeconds: (t4 - t3) / 1000, restore, hashes };
  } finally {
    await pipeline?.close();
    resetClients();
    await s3.close();
  }
}
