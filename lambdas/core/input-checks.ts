// The first pass over a local input folder, before any alignment: problems that would otherwise surface late
// (or never) are named here. Dangling symlinks are refused (a silently skipped image is a lost image); mixed image
// sizes are announced (they are warped into the reference frame).
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DatasetEntry } from './dataset.ts';
import { IMAGE_NAME } from './dataset.ts';
import { DatasetError } from '../ground/errors.ts';

export async function assertNoDanglingLinks(dir: string): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || !IMAGE_NAME.test(name)) continue;
    const p = join(dir, name);
    const l = await lstat(p);
    if (!l.isSymbolicLink()) continue;
    const ok = await stat(p).then(() => true, () => false);
    if (!ok) {
      throw new DatasetError(`is a symbolic link to ${await readlink(p)}, which does not exist; restore the target or remove the link`, p);
    }
  }
}

/** One warning when the images do not all have one size, naming how many of each and an example; else undefined. */
export async function mixedSizesWarning(dir: string, entries: DatasetEntry[]): Promise<string | undefined> {
  const bySize = new Map<string, string[]>();
  for (const e of entries) {
    let size = 'unreadable';
    try {
      const m = await sharp(join(dir, e.key)).metadata();
      const rotated = (m.orientation ?? 1) >= 5;
      size = rotated ? `${m.height}x${m.width}` : `${m.width}x${m.height}`;
    } catch {
      continue; // decoding errors are reported, with the file, by the stage that reads it
    }
    const list = bySize.get(size) ?? [];
    list.push(e.name);
    bySize.set(size, list);
  }
  if (bySize.size <= 1) return undefined;
  const parts = [...bySize.entries()].sort((a, b) => b[1].length - a[1].length).map(([size, names]) => `${names.length} at ${size} (e.g. ${names[0]})`);
  return `images of mixed sizes: ${parts.join(', ')}; each is warped into the reference's frame`;
}
