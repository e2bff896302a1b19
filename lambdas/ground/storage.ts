// One small blob-store interface for the pipeline (the port; implementations in lambdas/storage/): the core reads
// inputs and writes artifacts through it, so the same stage functions run against a local folder (CLI, tests) and S3
// (Lambda). Ground layer: imports only ./errors.ts.
import { AdreelError, type ErrorOptions } from './errors.ts';

export interface ObjectInfo {
  key: string;
  bytes: number;
}

export interface Storage {
  /** Human-readable root, for messages (a folder path or s3://bucket/prefix). */
  readonly description: string;
  get(key: string): Promise<Buffer>;
  put(key: string, body: Uint8Array): Promise<void>;
  /** Copy a local file into the store (streams; used for reels). */
  putFile(key: string, localPath: string): Promise<void>;
  /** Copy an object to a local file (streams; used for reels). */
  getFile(key: string, localPath: string): Promise<void>;
  /** Keys below `prefix` (recursive), sorted, with sizes. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Size of one object, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Removes every object below `prefix`. Only ever called on intermediates. */
  deletePrefix(prefix: string): Promise<void>;
}

/** A Storage over one local folder (LocalStorage); `root` is the folder's absolute path. */
export interface FolderStorage extends Storage {
  readonly root: string;
}

/**
 * How the core's local-folder runs open a folder: handed in by the composition (the CLI passes LocalStorage), so the
 * core depends on the port only.
 */
export type OpenFolder = (dir: string) => FolderStorage;

export class StorageError extends AdreelError {
  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(reason, 'STORAGE', key, options);
  }
}

/** Keys are relative, '/'-separated, with no empty, '.' or '..' segments: nothing can escape the store's root. */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (key.length === 0 || key.includes('\\') || key.includes('\0') || parts.some((p) => p === '..' || p === '.')) {
    throw new StorageError(key, 'unsafe storage key (empty, backslash, NUL, "." or ".." segment)');
  }
  return key;
}

/** Keys sorted by code unit (the order S3 lists in), so every implementation lists alike. */
export function sortByKey(objects: ObjectInfo[]): ObjectInfo[] {
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function joinKey(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join('/')
    .replace(/\/{2,}/g, '/');
}
