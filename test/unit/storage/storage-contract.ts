// The behaviour every Storage must have, asserted the same way on each implementation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Storage } from '../../../lambdas/ground/storage.ts';
import { StorageError } from '../../../lambdas/ground/storage.ts';

/** `fresh()` returns an empty store each time (a new folder or a new prefix). */
export function storageContract(fresh: () => Promise<Storage>): void {
  it('put then get returns the same bytes; head gives the size', async () => {
    const s = await fresh();
    const body = randomBytes(1234);
    await s.put('a/b.bin', body);
    assert.deepEqual(await s.get('a/b.bin'), body);
    assert.deepEqual(await s.head('a/b.bin'), { key: 'a/b.bin', bytes: 1234 });
  });

  it('a missing object: head is undefined, get throws a StorageError naming it', async () => {
    const s = await fresh();
    assert.equal(await s.head('nope.json'), undefined);
    await assert.rejects(s.get('nope.json'), (e: unknown) => e instanceof StorageError && /nope\.json/.test((e as Error).message));
  });

  it('putFile and getFile stream a multi-megabyte file byte-exactly', async () => {
    const s = await fresh();
    const dir = await mkdtemp(join(tmpdir(), 'adreel-contract-'));
    try {
      const body = randomBytes(3 * 1024 * 1024 + 17);
      await writeFile(join(dir, 'in.mp4'), body);
      await s.putFile('reel.mp4', join(dir, 'in.mp4'));
      assert.equal((await s.head('reel.mp4'))?.bytes, body.length);
      await s.getFile('reel.mp4', join(dir, 'sub', 'out.mp4'));
      assert.ok(body.equals(await readFile(join(dir, 'sub', 'out.mp4'))));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('list is recursive, sorted, relative to the store, and a prefix is a folder (x/a does not match x/ab)', async () => {
    const s = await fresh();
    for (const k of ['x/b.png', 'x/a.png', 'x/sub/c.png', 'x/ab/d.png', 'xy.png', 'y/e.png']) await s.put(k, Buffer.from(k));
    assert.deepEqual(
      (await s.list('x')).map((o) => o.key),
      ['x/a.png', 'x/ab/d.png', 'x/b.png', 'x/sub/c.png'],
    );
    assert.deepEqual((await s.list('x/a')).map((o) => o.key), []);
    assert.deepEqual((await s.list('')).length, 6);
    assert.deepEqual((await s.list('x/sub/'))[0], { key: 'x/sub/c.png', bytes: 'x/sub/c.png'.length });
  });

  it('deletePrefix removes that prefix only', async () => {
    const s = await fresh();
    for (const k of ['.work/a.json', '.work/r/b.json', 'manifest.json']) await s.put(k, Buffer.from('1'));
    await s.deletePrefix('.work');
    assert.deepEqual((await s.list('')).map((o) => o.key), ['manifest.json']);
  });

  it('refuses keys that could escape the root', async () => {
    const s = await fresh();
    await assert.rejects(s.put('../evil', Buffer.from('x')), StorageError);
    await assert.rejects(s.get('a/../../b'), StorageError);
  });
}
