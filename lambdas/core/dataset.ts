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

/** Where an MVTec category keeps its training images, relative to the category. */
export const MVTEC_TRAIN_GOOD = 'train/good';

export type SourceLayout = 'folder' | 'mvtec';

export interface ResolvedDataset {
  /** the prefix the images are listed from: `<prefix>/train/good` for an MVTec category, else `prefix` itself */
  imagesPrefix: string;
  layout: SourceLayout;
  listing: DatasetListing;
}

const under = (prefix: string, rest: string) => (prefix ? `${prefix.replace(/\/$/, '')}/${rest}` : rest);

/** The one layout rule, for every store (a local folder, an S3 prefix): an MVTec category (with train/good images)
 * compresses its training set; any other folder its own images. */
export async function resolveDataset(store: Storage, prefix: string): Promise<ResolvedDataset> {
  const trainGood = under(prefix, MVTEC_TRAIN_GOOD);
  if ((await store.list(trainGood)).length > 0) return { imagesPrefix: trainGood, layout: 'mvtec', listing: await listDataset(store, trainGood) };
  return { imagesPrefix: prefix, layout: 'folder', listing: await listDataset(store, prefix) };
}

/**
 * The categories of an MVTec-style root: its sub-folders holding train/good images (hidden ones excluded), sorted;
 * null when `prefix` is one dataset (an MVTec category itself, or a folder of images). Loose files beside the
 * categories do not make a root a single dataset.
 */
export async function mvtecClasses(store: Storage, prefix: string): Promise<string[] | null> {
  const base = prefix ? prefix.replace(/\/$/, '') + '/' : '';
  const keys = (await store.list(prefix)).map((o) => o.key.slice(base.length));
  if (keys.some((k) => k.startsWith(`${MVTEC_TRAIN_GOOD}/`))) return null;
  const classes = new Set<string>();
  for (const k of keys) {
    const [c, ...rest] = k.split('/');
    if (rest.length >= 3 && `${rest[0]}/${rest[1]}` === MVTEC_TRAIN_GOOD && !c.startsWith('.')) classes.add(c);
  }
  return classes.size > 0 ? [...classes].sort() : null;
}
