// The screw category as the benchmark feeds it to adreel and to the evaluator: the whole category read in place,
// or (for smoke runs) a subset built as symlinks in a temporary folder (images are never copied).
import { mkdir, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { filesIdentity } from './fingerprint.ts';

export interface BenchInputs {
  /** MVTec layout: train/good, test/<type>, ground_truth/<type> */
  categoryDir: string;
  trainDir: string;
  testDir: string;
  groundTruthDir: string;
  trainCount: number;
  testCount: number;
  /** sum of the training PNGs' bytes */
  trainBytes: number;
  /** hash of names, sizes and times: part of every cache key */
  trainIdentity: string;
  testIdentity: string;
}

export interface SubsetOptions {
  /** first N training images in name order */
  trainLimit?: number;
  /** about M test images spread evenly over the defect types (good included) */
  testLimit?: number;
}

async function pngs(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.png')).sort();
}

/** Picks `total` test images spread over the types, each type's first ones in name order, at least one each. */
function spreadOver<T>(groups: T[][], total: number): T[][] {
  const per = Math.max(1, Math.floor(total / groups.length));
  return groups.map((g) => g.slice(0, per));
}

export async function prepareInputs(dataDir: string, work: string, subset: SubsetOptions = {}): Promise<BenchInputs> {
  const types = (await readdir(join(dataDir, 'test'))).sort();
  const trainNames = (await pngs(join(dataDir, 'train', 'good'))).slice(0, subset.trainLimit);
  const testByType = await Promise.all(types.map(async (t) => (await pngs(join(dataDir, 'test', t))).map((n) => ({ type: t, name: n }))));
  const testPicked = (subset.testLimit ? spreadOver(testByType, subset.testLimit) : testByType).flat();
  const whole = !subset.trainLimit && !subset.testLimit;

  let categoryDir = dataDir;
  if (!whole) {
    categoryDir = join(work, 'category');
    await mkdir(join(categoryDir, 'train', 'good'), { recursive: true });
    for (const n of trainNames) await symlink(join(dataDir, 'train', 'good', n), join(categoryDir, 'train', 'good', n));
    for (const { type, name } of testPicked) {
      await mkdir(join(categoryDir, 'test', type), { recursive: true });
      await symlink(join(dataDir, 'test', type, name), join(categoryDir, 'test', type, name));
      if (type === 'good') continue;
      const gt = name.replace(/\.png$/i, '_mask.png');
      await mkdir(join(categoryDir, 'ground_truth', type), { recursive: true });
      await symlink(join(dataDir, 'ground_truth', type, gt), join(categoryDir, 'ground_truth', type, gt));
    }
  }
  const trainFiles = trainNames.map((n) => ({ name: n, file: join(dataDir, 'train', 'good', n) }));
  const testFiles = testPicked.flatMap(({ type, name }) => {
    const files = [{ name: `test/${type}/${name}`, file: join(dataDir, 'test', type, name) }];
    if (type !== 'good') files.push({ name: `ground_truth/${type}/${name}`, file: join(dataDir, 'ground_truth', type, name.replace(/\.png$/i, '_mask.png')) });
    return files;
  });
  let trainBytes = 0;
  for (const f of trainFiles) trainBytes += (await stat(f.file)).size;
  return {
    categoryDir,
    trainDir: join(categoryDir, 'train', 'good'),
    testDir: join(categoryDir, 'test'),
    groundTruthDir: join(categoryDir, 'ground_truth'),
    trainCount: trainFiles.length,
    testCount: testPicked.length,
    trainBytes,
    trainIdentity: await filesIdentity(trainFiles),
    testIdentity: await filesIdentity(testFiles),
  };
}
