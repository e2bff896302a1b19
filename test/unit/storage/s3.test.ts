// S3Storage against a real S3-protocol server (s3rver) on a random 127.0.0.1 port.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalS3, type LocalS3 } from '../../../infra/local/s3rver.ts';
import { S3Storage } from '../../../lambdas/storage/s3.ts';
import { storageContract } from './storage-contract.ts';

const BUCKET = 'contract';
let s3: LocalS3;
let n = 0;

describe('S3Storage on s3rver', () => {
  before(async () => {
    s3 = await startLocalS3([BUCKET]);
  });
  after(async () => {
    await s3?.close();
  });

  describe('storage contract', () => {
    storageContract(async () => new S3Storage(s3.client, BUCKET, `case-${++n}/`));
  });

  it('list pages through ListObjectsV2 continuation tokens (25 keys, 7 per page)', async () => {
    const raw = new S3Storage(s3.client, BUCKET, 'paging', 7);
    const count = 25;
    const keys = Array.from({ length: count }, (_, i) => `p/${String(i).padStart(5, '0')}.json`);
    for (let i = 0; i < keys.length; i += 10) await Promise.all(keys.slice(i, i + 10).map((k) => raw.put(k, Buffer.from('{}'))));
    const listed = await raw.list('p');
    assert.equal(listed.length, count);
    assert.deepEqual(listed.map((o) => o.key), keys);
    await raw.deletePrefix('p');
    assert.deepEqual(await raw.list('p'), []);
  });

  it('keys map below the prefix, and objects outside it are invisible', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other/x.png', Body: 'x' }));
    const store = new S3Storage(s3.client, BUCKET, 'scoped/');
    await store.put('a.png', Buffer.from('a'));
    assert.equal(store.objectKey('a.png'), 'scoped/a.png');
    assert.equal(store.description, `s3://${BUCKET}/scoped`);
    assert.deepEqual((await store.list('')).map((o) => o.key), ['a.png']);
    assert.deepEqual((await store.child('sub').list('')), []);
  });
});
