// Reads an evaluation split laid out as MVTec AD: training images in one folder, test images in
// <test>/<defect type>/, ground-truth masks in <ground truth>/<defect type>/<stem>_mask.png ('good' has none).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EvalDataError } from './errors.ts';

export const GOOD_TYPE = 'good';
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

export interface TestImage {
  file: string;
  defectType: string;
  anomalous: boolean;
  /** ground-truth mask; absent for good images */
  maskFile?: string;
}

export interface EvalSplit {
  trainFiles: string[];
  testImages: TestImage[];
}

export interface EvalFolders {
  /** holds the training images directly */
  trainDir: string;
  /** holds one folder per defect type ('good' included) */
  testDir: string;
  /** holds <type>/<stem>_mask.png for every non-good test image */
  groundTruthDir: string;
}

async function isDirectory(target: string): Promise<boolean> {
  return (await stat(target).catch(() => undefined))?.isDirectory() ?? false;
}

async function requireDirectory(target: string, role: string): Promise<void> {
  if (!(await isDirectory(target))) throw new EvalDataError(`${role} folder is missing or not a folder`, target);
}

/** Image files directly in `folder` (symlinks followed, hidden files skipped), sorted by name. */
async function listImages(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter(
    (name) => !name.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase()),
  );
  const files: string[] = [];
  for (const name of names.sort()) {
    const file = path.join(folder, name);
    if ((await stat(file).catch(() => undefined))?.isFile()) files.push(file);
  }
  return files;
}

/** Reads train/test/ground-truth folders; every non-good test image must have its mask. */
export async function readSplitFromFolders(folders: EvalFolders): Promise<EvalSplit> {
  await requireDirectory(folders.trainDir, 'training image');
  await requireDirectory(folders.testDir, 'test image');
  const trainFiles = await listImages(folders.trainDir);
  if (trainFiles.length === 0) throw new EvalDataError('no training images (png/jpg/bmp/tif/webp) found', folders.trainDir);

  const testImages: TestImage[] = [];
  const typeNames = (await readdir(folders.testDir)).filter((name) => !name.startsWith('.')).sort();
  for (const defectType of typeNames) {
    const typeDir = path.join(folders.testDir, defectType);
    if (!(await isDirectory(typeDir))) continue;
    const anomalous = defectType !== GOOD_TYPE;
    if (anomalous) await requireDirectory(path.join(folders.groundTruthDir, defectType), `ground-truth mask (${defectType})`);
    for (const file of await listImages(typeDir)) {
      if (!anomalous) {
        testImages.push({ file, defectType, anomalous });
        continue;
      }
      const stem = path.basename(file, path.extname(file));
      const maskFile = path.join(folders.groundTruthDir, defectType, `${stem}_mask.png`);
      if (!(await stat(maskFile).catch(() => undefined))?.isFile()) {
        throw new EvalDataError(`ground-truth mask missing for test image ${file}`, maskFile);
      }
      testImages.push({ file, defectType, anomalous, maskFile });
    }
  }
  if (testImages.length === 0) throw new EvalDataError('no test images found in any <type>/ folder', folders.testDir);
  return { trainFiles, testImages };
}

/** The folders of one MVTec AD category: <cat>/train/good, <cat>/test, <cat>/ground_truth. */
export function mvtecCategoryFolders(categoryDir: string): EvalFolders {
  return {
    trainDir: path.join(categoryDir, 'train', GOOD_TYPE),
    testDir: path.join(categoryDir, 'test'),
    groundTruthDir: path.join(categoryDir, 'ground_truth'),
  };
}

export function readMvtecCategory(categoryDir: string): Promise<EvalSplit> {
  return readSplitFromFolders(mvtecCategoryFolders(categoryDir));
}
