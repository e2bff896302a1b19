// Which images make up a dataset, in which order, and whether their names are safe to restore to.
import { DatasetError } from '../ground/errors.ts';
import type { Storage } from '../ground/storage.ts';

export const IMAGE_NAME = /\.(png|jpe?g|tiff?|webp)$/i;

export interface DatasetEntry {
  /** key in the source store */
  key: string;
  /** original file name (a single path segment) */
  name: string;
  /** name without its extension: the restored file is `<stem>.png` */
  stem: string;
  bytes: number;
}

export interface DatasetListing {
  entries: DatasetEntry[];
  /** files that are not images by name and were left out, each with a reason */
  skipped: { name: string; reason: string }[];
}

export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A name is restorable when it is one path segment with no tricks in it. */
export function assertSafeName(name: string, where: string): void {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new DatasetError(`unsafe file name ${JSON.stringify(name)} (must be a single path segment)`, where);
  }
}

/**
 * Lists the images directly below `prefix` (not recursive: an MVTec category is resolved to train/good by the
 * caller), sorted by name so frame order and the default reference are deterministic.
 */
export async function listDataset(store: Storage, prefix: string): Promise<DatasetListing> {
  const base = prefix ? prefix.replace(/\/$/, '') + '/' : '';
  const objects = await store.list(prefix);
  const entries: DatasetEntry[] = [];
  const skipped: DatasetListing['skipped'] = [];
  for (const o of objects) {
    const rest = o.key.slice(base.length);
    if (rest.includes('/')) continue; // sub-folders are not part of this dataset
    if (rest.startsWith('.') || rest.startsWith('_')) continue; // hidden files and markers such as _READY
    if (!IMAGE_NAME.test(rest)) {
      skipped.push({ name: rest, reason: 'not an image file name (.png, .jpg, .jpeg, .tif, .tiff, .webp)' });
      continue;
    }
    assertSafeName(rest, `${store.description}/${o.key}`);
    entries.push({ key: o.key, name: rest, stem: stemOf(rest), bytes: o.bytes });
  }
  if (entries.length === 0) {
    throw new DatasetError('no images found (PNG, JPEG, TIFF or WebP)', `${store.description}/${base}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Restored files are named <stem>.png: two inputs must not collide there, even on case-insensitive filesystems.
  const seen = new Map<string, string>();
  for (const e of entries) {
    const folded = e.stem.normalize('NFC').toLowerCase(); // café in NFC and NFD is one name on macOS
    const other = seen.get(folded);
    if (other) {
      throw new DatasetError(
        `names collide after case folding, Unicode normalisation (NFC/NFD) and extension removal: ${JSON.stringify(other)} and ${JSON.stringify(e.name)} would both restore to ${e.stem}.png${other.normalize('NFC') === e.name.normalize('NFC') || other !== other.normalize('NFC') || e.name !== e.name.normalize('NFC') ? ' (the same name in two Unicode forms)' : ''}; rename one`,
        `${store.description}/${base}`,
      );
    }
    seen.set(folded, e.name);
  }
  return { entries, skipped };
}
