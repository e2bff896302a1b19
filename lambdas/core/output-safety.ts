// Output safety on a local file system: adreel never deletes or overwrites a file it did not write.
// - input and output folders must not contain one another (compared after resolving symlinks);
// - one writer per destination: a lock file beside it (`.<name>.adreel-lock`, holding the writer's pid);
// - results are staged beside the destination (`.<name>.adreel-staging-<pid>`) and published with one rename;
//   staging or scratch left by a killed run is removed (and named) by the next run on that destination, under the lock;
// - a restore/transform destination must be absent or empty; `--overwrite` may replace only what a previous
//   restore/transform recorded in its `WRITTEN_RECORD`.
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { DatasetError, OutputError } from '../ground/errors.ts';
import { onInterrupt } from './interrupt.ts';

/**
 * Beside a restore/transform destination (`.<name>.adreel-written.json`): the files that run wrote there, the only
 * ones a later `--overwrite` may replace. Beside rather than inside, so the result holds only the result.
 */
export function writtenRecordPath(dest: string): string {
  const d = resolve(dest);
  return join(dirname(d), `.${basename(d)}.adreel-written.json`);
}

/** `p` with every symlink in its longest existing prefix resolved (the rest appended as given). */
export async function realpathNearest(p: string): Promise<string> {
  const abs = resolve(p);
  const tail: string[] = [];
  let head = abs;
  for (;;) {
    try {
      return join(await realpath(head), ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return abs;
      tail.push(basename(head));
      head = parent;
    }
  }
}

function within(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** Refuses when either folder is (after symlinks) the other or inside it. */
export async function assertDisjoint(a: { path: string; role: string }, b: { path: string; role: string }): Promise<void> {
  const [ra, rb] = await Promise.all([realpathNearest(a.path), realpathNearest(b.path)]);
  if (within(ra, rb) || within(rb, ra)) {
    const how = ra === rb ? 'is the same folder as' : within(ra, rb) ? 'is inside' : 'contains';
    throw new DatasetError(
      `the ${a.role} ${how} the ${b.role} ${b.path}${rb !== resolve(b.path) || ra !== resolve(a.path) ? ` (after resolving symlinks: ${ra} and ${rb})` : ''}; ` +
        'choose folders that do not contain one another (adreel never writes into its inputs)',
      a.path,
    );
  }
}

/** Hidden names beside `dest` used by adreel: lock, staging, scratch, the previous output being replaced. */
export function siblingName(dest: string, kind: 'lock' | 'staging' | 'scratch' | 'old', pid = process.pid): string {
  const base = basename(resolve(dest));
  return join(dirname(resolve(dest)), kind === 'lock' ? `.${base}.adreel-lock` : `.${base}.adreel-${kind}-${pid}`);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An error that names a file in `dest`'s hidden staging or scratch (e.g. the reel being encoded) names it in `dest`
 * instead: the user knows the destination, and the hidden folders are gone by the time the message is read.
 */
export function nameDestination(err: unknown, dest: string): unknown {
  if (!(err instanceof Error)) return err;
  const hidden = (kind: 'staging' | 'scratch') => escapeRegExp(siblingName(dest, kind));
  // scratch files sit one temporary folder deeper (scratch.ts makeScratchDir: <prefix>XXXXXX)
  const pattern = new RegExp(`(?:${hidden('scratch')}/adreel-[a-z]+-[A-Za-z0-9]{6}|${hidden('staging')})(?=/)`, 'g');
  err.message = err.message.replace(pattern, resolve(dest));
  return err;
}

const LEFTOVER = (base: string) => new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.adreel-(staging|scratch|old|partial)-\\d+`);

export interface DestinationLock {
  path: string;
  /** leftovers of killed runs that were removed when the lock was taken */
  removed: string[];
  release(): Promise<void>;
}

/**
 * Takes the destination's lock (refusing while another live adreel holds it) and removes what killed runs left
 * beside the destination. The lock is released on release() and on SIGINT/SIGTERM.
 */
export async function lockDestination(dest: string, log?: (m: string) => void): Promise<DestinationLock> {
  const path = siblingName(dest, 'lock');
  await mkdir(dirname(path), { recursive: true }).catch((err) => {
    throw fsError(err, dirname(path), 'cannot create the folder that will hold the output');
  });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw fsError(err, path, 'cannot create the lock file');
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        throw new DatasetError(
          `another adreel (pid ${holder}) is writing to ${dest}; wait for it to finish (if no adreel is running, delete ${path})`,
          dest,
        );
      }
      await unlink(path).catch(() => undefined); // a killed run's lock
      log?.(`removed the stale lock ${path} of a run that is no longer running`);
    }
  }
  const removed: string[] = [];
  const base = basename(resolve(dest));
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (!LEFTOVER(base).test(name)) continue;
    const p = join(dirname(path), name);
    await rm(p, { recursive: true, force: true });
    removed.push(p);
    log?.(`removed ${p}, left by an interrupted run`);
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    unregister();
    await unlink(path).catch(() => undefined);
  };
  const unregister = onInterrupt(async () => {
    await release();
    return dest;
  });
  return { path, removed, release };
}

/** Whether process `pid` still runs (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The files below `dir` (relative, '/' separated), folders not listed; [] when it does not exist. */
export async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    let entries;
    try {
      entries = await readdir(join(dir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return;
      throw err;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

/** What a destination holds before a restore/transform: nothing, or only what an earlier one recorded. */
export async function assertReplaceableDestination(dest: string, overwrite: boolean): Promise<{ previous: string[] }> {
  const s = await lstat(dest).catch(() => undefined);
  if (!s) return { previous: [] };
  if (!s.isDirectory()) throw new DatasetError('destination exists and is not a folder; choose a new or empty folder', dest);
  const files = await filesBelow(dest);
  const dirs = (await readdir(dest)).length;
  if (files.length === 0 && dirs === 0) return { previous: [] };
  if (!overwrite) {
    throw new DatasetError(
      `destination is not empty (${describeSome(files.length ? files : await readdir(dest))}); restore and transform write only into a new or empty folder ` +
        '(--overwrite replaces the files of an earlier adreel restore/transform there, and nothing else)',
      dest,
    );
  }
  let recorded: string[];
  try {
    const json = JSON.parse(await readFile(writtenRecordPath(dest), 'utf8')) as { files?: unknown };
    if (!Array.isArray(json.files) || !json.files.every((f) => typeof f === 'string')) throw new Error('no file list');
    recorded = json.files as string[];
  } catch {
    throw new DatasetError(`--overwrite: no record of an earlier adreel restore/transform into this folder (${writtenRecordPath(dest)}); refusing to replace files adreel did not write`, dest);
  }
  const allowed = new Set(recorded);
  const foreign = files.filter((f) => !allowed.has(f));
  if (foreign.length > 0) {
    throw new DatasetError(`--overwrite: the destination holds files no earlier adreel restore/transform wrote (${describeSome(foreign)}); move them away first`, dest);
  }
  return { previous: files };
}

function describeSome(names: string[]): string {
  const shown = names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/**
 * Publishes a complete staging folder as `dest` with one rename. A previous result (already checked by
 * assertReplaceableDestination) is moved aside first and then only its recorded files are deleted.
 */
export async function publishStaging(staging: string, dest: string, previous: string[]): Promise<void> {
  const d = resolve(dest);
  const existing = await lstat(d).catch(() => undefined);
  if (!existing) {
    await rename(staging, d);
    return;
  }
  if (previous.length === 0) {
    await rmdir(d); // empty: rename cannot replace it on every platform
    await rename(staging, d);
    return;
  }
  const old = siblingName(d, 'old');
  await rename(d, old);
  await rename(staging, d);
  await removeRecorded(old, previous);
}

/** Deletes exactly `files` below `dir`, then the folders they leave empty; anything else stays (and is named). */
export async function removeRecorded(dir: string, files: string[]): Promise<void> {
  for (const f of files) await unlink(join(dir, ...f.split('/'))).catch(() => undefined);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = parts.length - 1; i > 0; i--) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const sub of [...dirs].sort((a, b) => b.length - a.length)) await rmdir(join(dir, ...sub.split('/'))).catch(() => undefined);
  try {
    await rmdir(dir);
  } catch {
    throw new DatasetError(`kept ${dir}: it holds files adreel did not write`, dir);
  }
}

/** One sentence for a file-system error: the path, what went wrong, what to do. */
export function fsError(err: unknown, path: string, doing: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string') return err as Error;
  const where = e.path ?? path;
  const what: Record<string, string> = {
    ENOSPC: 'no space left on the device; free some space or choose another output folder',
    EDQUOT: 'disk quota exceeded; free some space or choose another output folder',
    EROFS: 'the file system is read-only; choose a writable output folder',
    EACCES: 'permission denied; choose a folder you can write to',
    EPERM: 'operation not permitted; choose a folder you can write to',
    EISDIR: 'is a folder where a file is expected; move it away or choose another folder',
    ENOTDIR: 'a part of the path is a file, not a folder; choose another path',
    ENOENT: 'does not exist (or a folder on its path does not)',
    EEXIST: 'already exists',
    EMFILE: 'too many open files; raise the limit (ulimit -n) and retry',
  };
  const reason = what[e.code];
  if (!reason) return err as Error;
  return new OutputError(where, `${doing}: ${reason} (${e.code})`);
}

/** isDirectory without throwing. */
export async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}
