// JSON objects of the output bucket that are not run state (the LATEST pointer). Run state (`.work/...`) has its own
// table, schemas and typed readers in lambdas/core/run-state.
import type { Storage } from '../../ground/storage.ts';

export async function readJson<T>(store: Storage, key: string): Promise<T> {
  return JSON.parse((await store.get(key)).toString('utf8')) as T;
}

export async function putJson(store: Storage, key: string, value: unknown): Promise<void> {
  await store.put(key, Buffer.from(JSON.stringify(value)));
}
