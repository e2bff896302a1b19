// ISNet at lower input sides (bench/extract-isnet.ts --side N) against the exported 1024 px model and the
// threshold segmenter, on the first training images of screw and bottle: segmentation seconds per image (median
// over images, after one warm-up image), mask IoU with the 1024 model's mask and with the threshold mask (mean and
// 5th percentile), and the object's share of the frame.
//
//   node --import tsx bench/isnet-side.ts [--sides 1024,512,384,320] [--limit 8] [--classes screw,bottle] [--threads N]
// Models are read from models/isnet.onnx (1024) and models/isnet-N.onnx; a missing one is named with the command
// that builds it. Run it niced.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, isImageName } from '../lambdas/core/image-io.ts';
import { median } from '../lambdas/core/decide/robust-stats.ts';
// silhouetteIou is a plain IoU of two 0/255 masks.
import { silhouetteIou as maskIou, summarise } from '../lambdas/core/metrics/silhouette.ts';
import { createModelSegmenter, segmentThreshold } from '../lambdas/core/segment/index.ts';
import type { Image, Mask } from '../lambdas/core/types.ts';
import { positiveInt, walkArgs } from './lib/args.ts';
import { sharedDir } from './lib/shared-data.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLASSES = { screw: { dir: 'mvtec-screw', mode: 'grey' }, bottle: { dir: 'mvtec-bottle-384', mode: 'rgb' } } as const;
type ClassName = keyof typeof CLASSES;

function modelPathFor(side: number): string {
  return join(repoRoot, 'models', side === 1024 ? 'isnet.onnx' : `isnet-${side}.onnx`);
}

async function main(): Promise<void> {
  let sides = [1024, 512, 384, 320];
  let limit = 8;
  let classes: ClassName[] = ['screw', 'bottle'];
  let threads: number | undefined;
  walkArgs(process.argv.slice(2), (a, value) => {
    if (a === '--sides') sides = value().split(',').map((v) => positiveInt(v, a));
    else if (a === '--limit') limit = positiveInt(value(), a);
    else if (a === '--classes') classes = value().split(',') as ClassName[];
    else if (a === '--threads') threads = positiveInt(value(), a);
    else throw new Error(`unknown option ${a} (see the header of bench/isnet-side.ts)`);
  });
  if (!sides.includes(1024)) sides = [1024, ...sides];
  for (const side of sides) {
    if (!existsSync(modelPathFor(side))) {
      throw new Error(`${modelPathFor(side)}: not found (node --import tsx bench/extract-isnet.ts${side === 1024 ? '' : ` --side ${side}`})`);
    }
  }
  console.log(`| class | side | images | s/image (segment) | IoU vs 1024 mean / p5 | IoU vs threshold mean / p5 | object share |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const className of classes) {
    const spec = CLASSES[className];
    if (!spec) throw new Error(`--classes: unknown ${className}`);
    const dir = join(sharedDir(), 'data', spec.dir, 'train', 'good');
    const names = (await readdir(dir)).filter(isImageName).sort().slice(0, limit + 1);
    const images: Image[] = [];
    for (const name of names) images.push((await decodeImage(await readFile(join(dir, name)), name, { mode: spec.mode })).image);
    const threshold = await Promise.all(images.map((image, i) => segmentThreshold(image, { name: names[i] })));
    let reference: Mask[] = [];
    for (const side of sides) {
      const segmenter = await createModelSegmenter({ modelPath: modelPathFor(side), ...(threads ? { threads } : {}) });
      const masks: Mask[] = [];
      const seconds: number[] = [];
      try {
        for (let i = 0; i < images.length; i++) {
          const t0 = performance.now();
          masks.push(await segmenter.segment(images[i]!, names[i]));
          if (i > 0) seconds.push((performance.now() - t0) / 1000);
        }
      } finally {
        await segmenter.dispose?.();
      }
      if (side === 1024) reference = masks;
      const vsModel = summarise(masks.map((m, i) => maskIou(m, reference[i]!)));
      const vsThreshold = summarise(masks.map((m, i) => maskIou(m, threshold[i]!)));
      const share = masks.reduce((s, m) => s + m.data.filter((v) => v > 0).length / m.data.length, 0) / masks.length;
      console.log(
        `| ${className} | ${side} | ${images.length} | ${median(seconds).toFixed(3)} | ${vsModel.mean.toFixed(3)} / ${vsModel.p5.toFixed(3)} | ` +
          `${vsThreshold.mean.toFixed(3)} / ${vsThreshold.p5.toFixed(3)} | ${(100 * share).toFixed(2)}% |`,
      );
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`isnet-side: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
