// Writes a restore or transform result into a hidden staging folder beside the destination and publishes it with
// one rename only when the whole job succeeded, so a failed, interrupted or killed run never leaves files that look
// like a complete result. The destination must be new or empty (or, with overwrite, hold only what an earlier
// restore/transform recorded); one writer at a time (a lock beside it).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { foldName } from './manifest.ts';
import { DatasetError } from '../ground/errors.ts';
import { onInterrupt } from './interrupt.ts';
import {
  assertDisjoint,
  assertReplaceableDestination,
  fsError,
  lockDestination,
  publishStaging,
  siblingName,
  writtenRecordPath,
  type DestinationLock,
} from './output-safety.ts';

export interface StagedFolderOptions {
  /** replace the files of an earlier restore/transform recorded in the destination (and nothing else) */
  overwrite?: boolean;
  /** folders the destination must neither be nor contain nor lie inside (the adreel output, the input images) */
  disjointFrom?: { path: string; role: string }[];
  log?: (message: string) => void;
}

export class StagedFolder {
  readonly staging: string;
  /** temporary files of the run (decoded reels, ...): beside the destination, removed at the end */
  readonly scratch: string;
  private readonly files: string[] = [];
  private readonly folded = new Map<string, string>();
  private unregister: () => void = () => undefined;

  private constructor(
    readonly dest: string,
    private readonly lock: DestinationLock,
    private readonly previous: string[],
  ) {
    this.staging = siblingName(dest, 'staging');
    this.scratch = siblingName(dest, 'scratch');
  }

  /** Checks the destination, takes its lock, removes leftovers of killed runs, creates the staging folder. */
  static async open(dest: string, opts: StagedFolderOptions = {}): Promise<StagedFolder> {
    for (const other of opts.disjointFrom ?? []) await assertDisjoint({ path: dest, role: 'destination' }, other);
    const { previous } = await assertReplaceableDestination(dest, Boolean(opts.overwrite));
    const lock = await lockDestination(dest, opts.log);
    const folder = new StagedFolder(dest, lock, previous);
    try {
      // checked again under the lock: another run may have published meanwhile
      await assertReplaceableDestination(dest, Boolean(opts.overwrite));
      await mkdir(folder.staging, { recursive: true });
      await mkdir(folder.scratch, { recursive: true });
    } catch (err) {
      await folder.abort();
      throw fsError(err, folder.staging, 'cannot create the staging folder beside the destination');
    }
    folder.unregister = onInterrupt(() => folder.abort());
    return folder;
  }

  /** `relPath` uses '/' separators and has been checked to stay inside the folder by the caller. */
  async write(relPath: string, bytes: Uint8Array): Promise<void> {
    const key = foldName(relPath);
    const other = this.folded.get(key);
    if (other !== undefined) {
      throw new DatasetError(`two outputs would both be written as "${relPath}"${other !== relPath ? ` and "${other}"` : ''}`, join(this.dest, relPath));
    }
    this.folded.set(key, relPath);
    const target = join(this.staging, ...relPath.split('/'));
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes);
    } catch (err) {
      throw fsError(err, target, 'cannot write the staged output');
    }
    this.files.push(relPath);
  }

  get count(): number {
    return this.files.length;
  }

  /** Records what was written, then publishes the staging folder as the destination with one rename. */
  async commit(): Promise<string[]> {
    try {
      await publishStaging(this.staging, this.dest, this.previous);
      // after the rename: a run killed in between leaves no record, so --overwrite refuses (the safe side)
      await writeFile(writtenRecordPath(this.dest), JSON.stringify({ tool: 'adreel', files: [...this.files].sort() }) + '\n');
    } catch (err) {
      await this.abort();
      throw fsError(err, this.dest, 'cannot publish the result');
    }
    await this.cleanup();
    return this.files;
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true }).catch(() => undefined);
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    this.unregister();
    await rm(this.scratch, { recursive: true, force: true }).catch(() => undefined);
    await this.lock.release();
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
