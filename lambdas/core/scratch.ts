// Where temporary files go. Locally they live beside the output (a hidden sibling of the destination, so they share
// its file system and the next run there removes what a killed run left); in Lambda, a per-invocation folder under
// /tmp, removed in `finally`. The folder is scoped to the async work that runs inside withScratchRoot().
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './output-safety.ts';

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

/** `adreel-lambda-<handler>-<pid>-<random>`: the pid tells a live invocation's folder from a dead one's. */
const INVOCATION_DIR = /^adreel-lambda-[A-Za-z0-9-]+-(\d+)-[0-9a-f]{12}$/;
/** this process's invocation folders in use (several at once in the local harness) */
const live = new Set<string>();

/**
 * Runs `fn` with a fresh per-invocation folder under the OS temp folder as scratch root, removed afterwards whatever
 * happens. A Lambda that timed out or ran out of memory never reached its `finally`, and /tmp outlives it in a warm
 * container: folders of processes that no longer run (or of an earlier process with this pid) are removed first,
 * and reported through `onStale`.
 */
export async function withTempScratch<T>(handler: string, fn: () => Promise<T>, onStale?: (removed: string[]) => void): Promise<T> {
  const removed = await removeStaleInvocationDirs();
  if (removed.length > 0) onStale?.(removed);
  const dir = join(tmpdir(), `adreel-lambda-${handler}-${process.pid}-${randomBytes(6).toString('hex')}`);
  // registered before it exists, so a concurrent invocation's sweep never takes it for a dead one
  live.add(dir);
  try {
    await mkdir(dir, { recursive: true });
    return await withScratchRoot(dir, fn);
  } finally {
    await rm(dir, { recursive: true, force: true });
    live.delete(dir);
  }
}

async function removeStaleInvocationDirs(): Promise<string[]> {
  const base = tmpdir();
  const names = await readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = INVOCATION_DIR.exec(name)?.[1];
    const dir = join(base, name);
    if (pid === undefined || live.has(dir)) continue;
    if (Number(pid) !== process.pid && processAlive(Number(pid))) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
