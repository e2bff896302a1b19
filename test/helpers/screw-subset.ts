// PROTOCOL.md's CI subset of a real class (the screws by default), as folders of symlinks (the data is read in place, never copied):
// the first 24 training images, and 12 test images spread over the defect types with their ground truth.
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { screwDir } from '../../bench/lib/shared-data.ts';

export const CI_TRAIN = 24;
export const CI_TEST = 12;

/** `root`: the class folder (default the screws; e.g. bottleDir() for the bottle subset). */
export async function linkTrainSubset(dest: string, count = CI_TRAIN, root = screwDir()): Promise<string[]> {
  const src = join(root, 'train', 'good');
  const names = (await readdir(src)).filter((n) => n.endsWith('.png')).sort().slice(0, count);
  await mkdir(dest, { recursive: true });
  for (const n of names) await symlink(join(src, n), join(dest, n));
  return names;
}

/** An MVTec-layout category with test/<type>/ and ground_truth/<type>/ holding `perType` images of each type. */
export async function linkTestSubset(dest: string, total = CI_TEST, root = screwDir()): Promise<number> {
  const types = (await readdir(join(root, 'test'))).sort();
  const perType = Math.max(1, Math.floor(total / types.length));
  let linked = 0;
  for (const type of types) {
    const names = (await readdir(join(root, 'test', type))).filter((n) => n.endsWith('.png')).sort().slice(0, perType);
    await mkdir(join(dest, 'test', type), { recursive: true });
    for (const n of names) {
      await symlink(join(root, 'test', type, n), join(dest, 'test', type, n));
      linked++;
      if (type === 'good') continue;
      const gt = n.replace(/\.png$/, '_mask.png');
      await mkdir(join(dest, 'ground_truth', type), { recursive: true });
      await symlink(join(root, 'ground_truth', type, gt), join(dest, 'ground_truth', type, gt));
    }
  }
  return linked;
}
