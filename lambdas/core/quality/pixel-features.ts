// The simplest FeatureExtractor: the pixels themselves (one position per pixel, one dim per channel, 0..1). Used by
// the unit tests on generated data; a stand-in for the detector where no backbone is at hand.
import type { Image } from '../types.ts';
import type { FeatureExtractor, FeatureMap } from './search.ts';

export const pixelFeatures: FeatureExtractor = {
  criterion: 'pixels',
  async extract(images: Image[]): Promise<FeatureMap[]> {
    return images.map((im) => {
      const data = new Float32Array(im.data.length);
      for (let i = 0; i < data.length; i++) data[i] = im.data[i] / 255;
      return { positions: im.width * im.height, dims: im.channels, data };
    });
  },
};
