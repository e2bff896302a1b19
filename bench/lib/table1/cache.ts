// A folder-per-key cache: an entry is built in a private sibling folder and renamed into place when complete, so an
// entry that exists is whole; a lock folder (holding the builder's pid) keeps two workers from building one key.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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
    if (pid && !alive(pid)) await rm(lock, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Returns `dir` once it holds a complete entry: reused when present, else made by `build(partialDir)` in a
 * sibling folder renamed to `dir` on success. Returns whether it was reused.
 */
export async function cachedFolder(dir: string, build: (partialDir: string) => Promise<void>): Promise<boolean> {
  if (await exists(dir)) return true;
  await mkdir(dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  await acquire(lock);
  try {
    if (await exists(dir)) return true; // another worker finished it while we waited
    await removeAbandoned(dir);
    const partial = `${dir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    try {
      await build(partial);
      await rename(partial, dir);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
    return false;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Partial folders of builders that died (killed runs) are garbage: each holds a whole half-built entry. */
async function removeAbandoned(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.partial-`;
  for (const name of await readdir(dirname(dir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid && pid !== process.pid && !alive(pid)) await rm(join(dirname(dir), name), { recursive: true, force: true });
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
