// The threshold segmentation (threshold.ts) behind the Segmenter interface.
import { segmentThreshold } from './threshold.ts';
import type { Segmenter } from './types.ts';

export function createThresholdSegmenter(): Segmenter {
  return {
    kind: 'threshold',
    description: 'threshold: Otsu on luminance, polarity from the frame border, morphology, largest component, holes filled',
    segment: (image, name) => segmentThreshold(image, { name }),
  };
}
