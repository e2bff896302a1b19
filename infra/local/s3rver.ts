// Starts a local S3-protocol server (s3rver) on a random 127.0.0.1 port, and the S3 client settings that work with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** One S3 notification record as s3rver emits it (the subset the local event bus reads). */
export interface LocalS3Record {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

export interface LocalS3 {
  endpoint: string;
  /** the s3rver child process (it exits with close(), or when this process goes away) */
  pid: number;
  /** client settings for this server: path-style, dummy credentials, and no streaming checksums (s3rver corrupts them) */
  clientConfig: S3ClientConfig;
  client: S3Client;
  /** registers a listener for object writes; returns its removal */
  onRecord(listener: (record: LocalS3Record) => void): () => void;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./s3rver-child.cjs', import.meta.url));

export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'adreel-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', CHILD, JSON.stringify({ directory, buckets })], {
    // stdin stays open as a lifeline: the child exits when it closes, so a parent that dies never orphans it
    stdio: ['pipe', 'pipe', 'pipe'],
    // the child must not inherit the tsx loader or a test runner's flags
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const listeners: ((r: LocalS3Record) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: { port: number }; event?: { Records: LocalS3Record[] } };
      if (msg.ready) resolve(msg.ready.port);
      for (const r of msg.event?.Records ?? []) for (const l of listeners) l(r);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}: ${stderr}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: S3ClientConfig = {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new S3Client(clientConfig);
  return {
    pid: child.pid!,
    endpoint,
    clientConfig,
    client,
    onRecord(l) {
      listeners.push(l);
      return () => void listeners.splice(listeners.indexOf(l), 1);
    },
    async close() {
      client.destroy();
      const exited = new Promise((r) => child.once('exit', r));
      process.off('exit', killChild);
      child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
