// Local-filesystem Storage: keys are paths below a root folder. Writes go to a temporary sibling and are renamed
// into place, so a reader never sees a half-written object.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkKey, sortByKey, StorageError, type FolderStorage, type ObjectInfo } from '../ground/storage.ts';

/** A temporary sibling unique to this write: two writes of one key in one process must not share it. */
function partialPath(target: string): string {
  return `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export class LocalStorage implements FolderStorage {
  constructor(readonly root: string) {}

  get description(): string {
    return this.root;
  }

  path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      throw new StorageError(this.path(key), `cannot read: ${(err as Error).message}`);
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = partialPath(target);
    await writeFile(tmp, body);
    await rename(tmp, target);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = partialPath(target);
    await pipeline(createReadStream(localPath), createWriteStream(tmp));
    await rename(tmp, target);
  }

  async getFile(key: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    try {
      await pipeline(createReadStream(this.path(key)), createWriteStream(localPath));
    } catch (err) {
      throw new StorageError(this.path(key), `cannot read: ${(err as Error).message}`);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const base = prefix ? this.path(prefix.replace(/\/$/, '')) : this.root;
    const out: ObjectInfo[] = [];
    let entries;
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    for (const e of entries) {
      if (!(e.isFile() || e.isSymbolicLink()) || e.name.includes('.partial-')) continue;
      const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
      const s = await stat(full).catch(() => undefined); // follows links: a dataset may be a folder of symlinks
      if (!s?.isFile()) continue;
      out.push({ key: relative(this.root, full).split(sep).join('/'), bytes: s.size });
    }
    return sortByKey(out);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { key, bytes: s.size } : undefined;
    } catch {
      return undefined;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix.replace(/\/$/, '')), { recursive: true, force: true });
  }
}
