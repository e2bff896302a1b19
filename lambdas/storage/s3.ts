// S3 Storage over SDK v3: keys are below `prefix` in one bucket. The client is injected, so Lambda uses the default
// one and tests point it at a local S3-protocol server. A PUT is atomic in S3: a reader sees the old object or the
// whole new one, never a half-written one.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { checkKey, joinKey, StorageError, type ObjectInfo, type Storage } from '../ground/storage.ts';

/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

export class S3Storage implements Storage {
  private readonly base: string;

  /** `prefix` may be empty (the bucket's root) or a folder-like prefix, with or without a trailing '/'. */
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    prefix = '',
    /** ListObjectsV2 page size (S3's maximum is 1000; tests use a small one to exercise paging) */
    readonly pageSize = 1000,
  ) {
    this.base = prefix.replace(/^\/+|\/+$/g, '');
    if (this.base) checkKey(this.base);
  }

  get description(): string {
    return this.base ? `s3://${this.bucket}/${this.base}` : `s3://${this.bucket}`;
  }

  /** The full object key of a store key. */
  objectKey(key: string): string {
    return joinKey(this.base, checkKey(key));
  }

  /** A store for a sub-prefix of this one (same client and bucket). */
  child(prefix: string): S3Storage {
    return new S3Storage(this.client, this.bucket, joinKey(this.base, checkKey(prefix.replace(/\/+$/, ''))), this.pageSize);
  }

  async get(key: string): Promise<Buffer> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      throw this.readError(key, err);
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: body, ContentLength: body.byteLength }),
    );
  }

  /** Streams the file; ContentLength lets the SDK send it without buffering (single PUT: up to 5 GB, reels are far smaller). */
  async putFile(key: string, localPath: string): Promise<void> {
    const { size } = await stat(localPath);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(localPath),
        ContentLength: size,
      }),
    );
  }

  async getFile(key: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    let body: Readable;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      body = out.Body as Readable;
    } catch (err) {
      throw this.readError(key, err);
    }
    await pipeline(body, createWriteStream(localPath));
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const listed = prefix ? joinKey(this.base, checkKey(prefix.replace(/\/+$/, '')), '') : this.base;
    // A folder-like prefix: "a/b" must not match "a/bc/...".
    const Prefix = listed ? `${listed.replace(/\/+$/, '')}/` : undefined;
    const strip = this.base ? this.base.length + 1 : 0;
    const out: ObjectInfo[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: this.pageSize }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue; // console-created "folder" placeholders
        out.push({ key: o.Key.slice(strip), bytes: o.Size ?? 0 });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, bytes: out.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = (await this.list(prefix)).map((o) => this.objectKey(o.key));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      if (out.Errors?.length) {
        const e = out.Errors[0];
        throw new StorageError(`${this.description}/${prefix}`, `cannot delete ${e.Key}: ${e.Code} ${e.Message}`);
      }
    }
  }

  /** A missing object is a StorageError naming it (like LocalStorage); anything else (throttling, network) passes through. */
  private readError(key: string, err: unknown): unknown {
    if (isNotFound(err)) return new StorageError(`${this.description}/${key}`, 'cannot read: no such object');
    return err;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
