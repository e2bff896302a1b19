// Writes files into a hidden staging folder inside the destination and moves them into place only when the whole
// job succeeded, so a failed restore or transform never leaves files that look like a complete result.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class StagedFolder {
  readonly staging: string;
  private readonly files: string[] = [];

  constructor(readonly dest: string) {
    this.staging = join(dest, `.adreel-partial-${process.pid}-${Date.now()}`);
  }

  /** `relPath` uses '/' separators and has been checked to stay inside the folder by the caller. */
  async write(relPath: string, bytes: Uint8Array): Promise<void> {
    const target = join(this.staging, ...relPath.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    this.files.push(relPath);
  }

  get count(): number {
    return this.files.length;
  }

  async commit(): Promise<string[]> {
    for (const rel of this.files) {
      const target = join(this.dest, ...rel.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await rename(join(this.staging, ...rel.split('/')), target);
    }
    await rm(this.staging, { recursive: true, force: true });
    return this.files;
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}

/** Lists a folder's entries, or [] when it does not exist. */
export async function listDir(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
