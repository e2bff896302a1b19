// A folder-per-key cache: an entry is built in a private sibling folder and renamed into place when complete, so an
// entry that exists is whole; a lock folder (holding the builder's pid) keeps two workers from building one key.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../../../lambdas/core/output-safety.ts';

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
    // A lock whose owner died (killed run) is broken; a lock without a pid yet is being taken right now.
    if (pid && !processAlive(pid)) await rm(lock, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Returns `dir` once it holds a complete entry: reused when present, else made by `build(partialDir)` in a
 * sibling folder renamed to `dir` on success. Returns whether it was reused.
 */
export async function cachedFolder(dir: string, build: (partialDir: string) => Promise<void>): Promise<boolean> {
  const built = await cachedFolders([dir], async ([partial]) => build(partial));
  return built.length === 0;
}

/**
 * Several entries built together (e.g. one alignment, several encodes): the missing ones are locked (in sorted
 * order, so two builders never deadlock), built by one call into their partial folders, and renamed into place.
 * Returns the entries that were built (empty when all were reused).
 */
export async function cachedFolders(dirs: string[], build: (partialDirs: string[], dirs: string[]) => Promise<void>): Promise<string[]> {
  const missing: string[] = [];
  for (const d of dirs) if (!(await exists(d))) missing.push(d);
  if (missing.length === 0) return [];
  const locks = [...new Set(missing)].sort().map((d) => `${d}.lock`);
  for (const l of locks) {
    await mkdir(dirname(l), { recursive: true });
    await acquire(l);
  }
  try {
    const todo: string[] = [];
    for (const d of missing) if (!(await exists(d))) todo.push(d); // others may have finished while we waited
    if (todo.length === 0) return [];
    const partials = todo.map((d) => `${d}.partial-${process.pid}`);
    for (const d of todo) await removeAbandoned(d);
    for (const p of partials) await rm(p, { recursive: true, force: true });
    try {
      await build(partials, todo);
      for (let i = 0; i < todo.length; i++) await rename(partials[i], todo[i]);
    } catch (err) {
      for (const p of partials) await rm(p, { recursive: true, force: true });
      throw err;
    }
    return todo;
  } finally {
    for (const l of locks) await rm(l, { recursive: true, force: true });
  }
}

/** Partial folders of builders that died (killed runs) are garbage: each holds a whole half-built entry. */
async function removeAbandoned(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.partial-`;
  for (const name of await readdir(dirname(dir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid && pid !== process.pid && !processAlive(pid)) await rm(join(dirname(dir), name), { recursive: true, force: true });
  }
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, JSON.stringify(value, null, 2) + '\n');
  await rename(partial, file);
}
