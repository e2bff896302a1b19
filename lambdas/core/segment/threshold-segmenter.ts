// The threshold segmentation (threshold.ts) behind the Segmenter interface. A grey image is thresholded on its
// luminance; a colour image on the plane its own threshold test passes on (threshold-test.ts: luminance first,
// else the distance from the border's colour), decided per image so every worker of a run decides the same way.
import type { Image } from '../types.ts';
import type { ThresholdChannel } from './channel.ts';
import { segmentThreshold } from './threshold.ts';
import { thresholdTestStats } from './threshold-test.ts';
import type { Segmenter } from './types.ts';

/** The plane the threshold segmenter uses for this image. */
export async function thresholdChannelFor(image: Image, name = 'image'): Promise<ThresholdChannel> {
  if (image.channels !== 3) return 'luminance';
  return (await thresholdTestStats(name, image)).channel;
}

export function createThresholdSegmenter(): Segmenter {
  return {
    kind: 'threshold',
    description:
      "threshold: Otsu on luminance (a colour object of the background's brightness: on the distance from the border's colour), polarity from the frame border, morphology, largest component, holes filled",
    segment: async (image, name) => segmentThreshold(image, { name, channel: await thresholdChannelFor(image, name) }),
  };
}
