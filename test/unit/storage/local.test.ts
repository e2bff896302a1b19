import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { storageContract } from './storage-contract.ts';

describe('LocalStorage: storage contract', () => {
  storageContract(async () => new LocalStorage(await mkdtemp(join(tmpdir(), 'adreel-local-'))));
});
