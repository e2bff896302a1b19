import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { RoutedStorage } from '../../../lambdas/storage/routed.ts';
import { storageContract } from './storage-contract.ts';

async function routed(): Promise<{ store: RoutedStorage; main: LocalStorage; work: LocalStorage }> {
  const main = new LocalStorage(await mkdtemp(join(tmpdir(), 'adreel-main-')));
  const work = new LocalStorage(await mkdtemp(join(tmpdir(), 'adreel-work-')));
  return { store: new RoutedStorage(main, [{ prefix: '.work', store: work }]), main, work };
}

describe('RoutedStorage', () => {
  describe('storage contract', () => {
    storageContract(async () => (await routed()).store);
  });

  it('sends .work/ keys to the work store and everything else to the main store; list merges both', async () => {
    const { store, main, work } = await routed();
    await store.put('.work/records/000001.json', Buffer.from('{}'));
    await store.put('manifest.json', Buffer.from('{}'));
    await store.put('.workshop.png', Buffer.from('x')); // a prefix match must be a whole segment
    assert.deepEqual((await work.list('')).map((o) => o.key), ['.work/records/000001.json']);
    assert.deepEqual((await main.list('')).map((o) => o.key), ['.workshop.png', 'manifest.json']);
    assert.deepEqual((await store.list('')).map((o) => o.key), ['.work/records/000001.json', '.workshop.png', 'manifest.json']);
    await store.deletePrefix('.work');
    assert.deepEqual(await work.list(''), []);
    assert.equal((await main.list('')).length, 2);
  });
});
