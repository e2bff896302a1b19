// Streams backbone outputs over a list of image files in batches, decoding and running the next batch while the
// caller processes the current one (sharp and onnxruntime work off the JS thread).
import type { Backbone, BackboneOutputs } from './backbone.ts';
import { CROP_SIZE, DEFAULT_RESIZE_KERNEL, loadCroppedImage, writeNormalisedChw, type ResizeKernel } from './preprocess.ts';

export interface FeatureBatch {
  /** index of files[0] in the full list */
  start: number;
  files: string[];
  outputs: BackboneOutputs;
}

async function computeBatch(backbone: Backbone, files: string[], start: number, kernel: ResizeKernel): Promise<FeatureBatch> {
  const crops = await Promise.all(files.map((file) => loadCroppedImage(file, kernel)));
  const imageFloats = 3 * CROP_SIZE * CROP_SIZE;
  const input = new Float32Array(files.length * imageFloats);
  crops.forEach((crop, index) => writeNormalisedChw(crop, input, index * imageFloats));
  return { start, files, outputs: await backbone.run(input, files.length, CROP_SIZE) };
}

export async function* featureBatches(
  backbone: Backbone,
  files: string[],
  batchSize: number,
  kernel: ResizeKernel = DEFAULT_RESIZE_KERNEL,
): AsyncGenerator<FeatureBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const launch = (start: number): Promise<FeatureBatch> => {
    const promise = computeBatch(backbone, files.slice(start, start + batchSize), start, kernel);
    // Marks the prefetch as handled so an early exit of the consumer does not surface it as an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  };
  let pending = files.length > 0 ? launch(0) : undefined;
  for (let start = 0; pending; start += batchSize) {
    const current = await pending;
    pending = start + batchSize < files.length ? launch(start + batchSize) : undefined;
    yield current;
  }
}
