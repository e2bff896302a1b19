// A small MVTec-layout category of generated objects for evaluator tests: train/good, test/good and
// test/painted (a checkerboard square painted on the object's surroundings) with its ground-truth masks.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeMaskPng, encodePng } from '../../lambdas/core/image-io.ts';
import { generateSyntheticDataset, type SyntheticKind } from '../../lambdas/core/synthetic/objects.ts';

export interface SyntheticCategoryOptions {
  train: number;
  good: number;
  defective: number;
  size: number;
  seed: number;
  kind?: SyntheticKind;
}

export async function writeSyntheticCategory(dir: string, opts: SyntheticCategoryOptions): Promise<void> {
  const kind = opts.kind ?? 'asymmetric';
  const total = opts.train + opts.good + opts.defective;
  const folders = { train: join(dir, 'train', 'good'), good: join(dir, 'test', 'good'), painted: join(dir, 'test', 'painted'), truth: join(dir, 'ground_truth', 'painted') };
  for (const folder of Object.values(folders)) await mkdir(folder, { recursive: true });
  let i = 0;
  for await (const item of generateSyntheticDataset({ count: total, width: opts.size, height: opts.size, kind, seed: opts.seed })) {
    const name = `${String(i).padStart(3, '0')}.png`;
    if (i < opts.train) await writeFile(join(folders.train, name), await encodePng(item.image));
    else if (i < opts.train + opts.good) await writeFile(join(folders.good, name), await encodePng(item.image));
    else {
      const { width, height } = item.image;
      const data = Uint8Array.from(item.image.data);
      const mask = new Uint8Array(width * height);
      const side = Math.round(width * 0.16);
      const cell = Math.max(2, Math.round(side / 4));
      const left = Math.round(width * 0.06);
      const top = Math.round(height * (0.06 + 0.7 * ((i * 37) % 10) / 10));
      for (let y = top; y < top + side; y++) {
        for (let x = left; x < left + side; x++) {
          data[y * width + x] = (Math.floor((x - left) / cell) + Math.floor((y - top) / cell)) % 2 === 0 ? 0 : 255;
          mask[y * width + x] = 255;
        }
      }
      await writeFile(join(folders.painted, name), await encodePng({ ...item.image, data }));
      await writeFile(join(folders.truth, name.replace('.png', '_mask.png')), await encodeMaskPng({ width, height, data: mask }));
    }
    i++;
  }
}
