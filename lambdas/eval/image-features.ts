// --quality auto's eyes in the CLI: the PaDiM backbone's embedding (layer1-3, all 448 channels on layer1's grid) of
// in-memory frames, with the protocol's geometry (resize 256 with the default kernel, centre crop 224, ImageNet
// normalisation: preprocess.ts), so the feature distortion is measured where the detector looks.
import sharp from 'sharp';
import type { FeatureExtractor, FeatureMap } from '../core/quality/search.ts';
import type { Image } from '../core/types.ts';
import { Backbone, resolveBackbonePath } from './backbone.ts';
import { gatherEmbeddings, totalEmbeddingChannels } from './embedding.ts';
import { CROP_SIZE, DEFAULT_RESIZE_KERNEL, RESIZE_SIZE, writeNormalisedChw, type CroppedImage } from './preprocess.ts';

export const BACKBONE_CRITERION = 'padim-resnet18-layer1-3';
const BATCH = 8;

async function cropOf(image: Image): Promise<CroppedImage> {
  const offset = (RESIZE_SIZE - CROP_SIZE) / 2;
  const data = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels as 1 | 3 },
  })
    .resize(RESIZE_SIZE, RESIZE_SIZE, { kernel: DEFAULT_RESIZE_KERNEL, fit: 'fill' })
    .extract({ left: offset, top: offset, width: CROP_SIZE, height: CROP_SIZE })
    .raw({ depth: 'uchar' })
    .toBuffer();
  return { channels: image.channels as 1 | 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Opens the backbone (explicit path, else ADREEL_BACKBONE or ../shared; a missing file is one clear error). */
export async function openBackboneFeatures(explicitPath?: string): Promise<FeatureExtractor> {
  const backbone = await Backbone.open(resolveBackbonePath(explicitPath));
  return {
    criterion: BACKBONE_CRITERION,
    modelSha256: backbone.identity.sha256,
    async extract(images: Image[]): Promise<FeatureMap[]> {
      const maps: FeatureMap[] = [];
      const floats = 3 * CROP_SIZE * CROP_SIZE;
      for (let start = 0; start < images.length; start += BATCH) {
        const batch = images.slice(start, start + BATCH);
        const input = new Float32Array(batch.length * floats);
        (await Promise.all(batch.map(cropOf))).forEach((c, i) => writeNormalisedChw(c, input, i * floats));
        const outputs = await backbone.run(input, batch.length, CROP_SIZE);
        const all = Int32Array.from({ length: totalEmbeddingChannels(outputs) }, (_, i) => i);
        const e = gatherEmbeddings(outputs, all);
        for (let b = 0; b < batch.length; b++) {
          const data = new Float32Array(e.positions * e.dims);
          for (let p = 0; p < e.positions; p++) {
            const src = (p * e.batchSize + b) * e.dims;
            for (let d = 0; d < e.dims; d++) data[p * e.dims + d] = e.data[src + d];
          }
          maps.push({ positions: e.positions, dims: e.dims, data });
        }
      }
      return maps;
    },
    close: () => backbone.close(),
  };
}
