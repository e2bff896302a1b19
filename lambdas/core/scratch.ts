// Where temporary files go. Locally they live beside the output (a hidden sibling of the destination, so they share
// its file system and the next run there removes what a killed run left); in Lambda, a per-invocation folder under
// /tmp. The folder is scoped to the async work that runs inside withScratchRoot().
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new AsyncLocalStorage<string>();

/** The folder temporary files go to in the current run (the OS temp folder outside any run). */
export function scratchRoot(): string {
  return root.getStore() ?? tmpdir();
}

/** A new temporary folder below the current scratch root. */
export async function makeScratchDir(prefix: string): Promise<string> {
  const base = scratchRoot();
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, prefix));
}

export function withScratchRoot<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  return root.run(dir, fn);
}

/** Runs `fn` with a fresh folder under the OS temp folder as scratch root, removed afterwards whatever happens. */
export async function withTempScratch<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await withScratchRoot(dir, fn);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
