// The model segmenter run only where the fast one is unsure. ISNet costs seconds per image on a CPU at its
// exported 1024x1024 (bench/extract-isnet.ts --side N re-declares it smaller, at some cost in detail), while the threshold segmenter
// costs milliseconds and is reliable wherever the auto test's four conditions hold. So each image first takes
// that test (auto.ts owns it: bimodal histogram, plain border, one object of plausible size); an image that
// passes gets the threshold mask, any other the model's. The decision is per image and depends on nothing else,
// so every worker of a run decides the same way.
import type { Image, Mask } from '../types.ts';
import { thresholdTestStats } from './auto.ts';
import { createModelSegmenter, type ModelSegmenterOptions } from './model.ts';
import { segmentThreshold } from './threshold.ts';
import type { Segmenter } from './types.ts';

export interface GatedSegmenter extends Segmenter {
  modelSha256: string;
  /** images segmented so far by each path */
  readonly counts: { threshold: number; model: number };
}

export async function createGatedModelSegmenter(options: ModelSegmenterOptions): Promise<GatedSegmenter> {
  const model = await createModelSegmenter(options);
  const counts = { threshold: 0, model: 0 };
  return {
    kind: 'model',
    description: `${model.description}, only where the threshold test fails (threshold mask elsewhere)`,
    modelSha256: model.modelSha256,
    counts,
    async segment(image: Image, name = 'image'): Promise<Mask> {
      const stats = await thresholdTestStats(name, image);
      if (stats.failures.length === 0) {
        try {
          const mask = await segmentThreshold(image, { name, channel: stats.channel });
          counts.threshold++;
          return mask;
        } catch {
          // the threshold segmenter's own checks refused it: the model decides
        }
      }
      counts.model++;
      return model.segment(image, name);
    },
    dispose: () => model.dispose?.() ?? Promise.resolve(),
  };
}
