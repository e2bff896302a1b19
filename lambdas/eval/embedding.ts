// PaDiM embedding: layer2 and layer3 are upsampled (nearest) to layer1's grid and concatenated with layer1
// (64 + 128 + 256 = 448 channels); only a subset of those channels is kept. The 448-channel concatenation is
// never materialised: each kept channel is read straight from its layer at the nearest source cell.
import type { BackboneOutputs } from './backbone.ts';

/** Batch embeddings, position-major: value of kept channel d of image b at grid position p is at [(p*batch + b)*dims + d]. */
export interface EmbeddingBatch {
  batchSize: number;
  /** grid positions = layer1 height x width */
  positions: number;
  gridWidth: number;
  gridHeight: number;
  dims: number;
  data: Float64Array;
}

export function totalEmbeddingChannels(outputs: BackboneOutputs): number {
  return outputs.layers.reduce((sum, layer) => sum + layer.channels, 0);
}

/** Nearest-neighbour source index as torch's F.interpolate(mode='nearest'): floor(dst * in / out). */
function nearestSourceIndex(destination: number, sourceSize: number, destinationSize: number): number {
  return Math.min(sourceSize - 1, Math.floor((destination * sourceSize) / destinationSize));
}

/** Gathers the kept channels (indices into the 448-channel concatenation, in layer order) of every image of a batch. */
export function gatherEmbeddings(outputs: BackboneOutputs, channels: Int32Array): EmbeddingBatch {
  const grid = outputs.layers[0];
  const { batchSize } = outputs;
  const gridHeight = grid.height;
  const gridWidth = grid.width;
  const positions = gridHeight * gridWidth;
  const dims = channels.length;
  const data = new Float64Array(positions * batchSize * dims);
  const total = totalEmbeddingChannels(outputs);

  for (let d = 0; d < dims; d++) {
    let channel = channels[d];
    if (channel < 0 || channel >= total) throw new RangeError(`channel ${channel} outside 0..${total - 1}`);
    let layerIndex = 0;
    while (channel >= outputs.layers[layerIndex].channels) channel -= outputs.layers[layerIndex++].channels;
    const layer = outputs.layers[layerIndex];
    const rowSource = Int32Array.from({ length: gridHeight }, (_, y) => nearestSourceIndex(y, layer.height, gridHeight));
    const columnSource = Int32Array.from({ length: gridWidth }, (_, x) => nearestSourceIndex(x, layer.width, gridWidth));
    for (let b = 0; b < batchSize; b++) {
      const plane = (b * layer.channels + channel) * layer.height * layer.width;
      for (let y = 0; y < gridHeight; y++) {
        const sourceRow = plane + rowSource[y] * layer.width;
        for (let x = 0; x < gridWidth; x++) {
          const p = y * gridWidth + x;
          data[(p * batchSize + b) * dims + d] = layer.data[sourceRow + columnSource[x]];
        }
      }
    }
  }
  return { batchSize, positions, gridWidth, gridHeight, dims, data };
}
