import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackboneOutputs, LayerOutput } from '../../../lambdas/eval/backbone.ts';
import { gatherEmbeddings, totalEmbeddingChannels } from '../../../lambdas/eval/embedding.ts';

/** A layer whose value encodes (layer, image, channel, y, x) so every read can be traced back. */
function codedLayer(layer: number, batch: number, channels: number, size: number): LayerOutput {
  const data = new Float32Array(batch * channels * size * size);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) data[((b * channels + c) * size + y) * size + x] = layer * 1e6 + b * 1e5 + c * 1e3 + y * 30 + x;
  return { name: `layer${layer}`, channels, height: size, width: size, data };
}

describe('gatherEmbeddings', () => {
  // Scaled-down ResNet shape: grid 8x8 (layer1), 4x4 (layer2), 2x2 (layer3); 2 + 3 + 4 = 9 channels.
  const outputs: BackboneOutputs = {
    batchSize: 2,
    layers: [codedLayer(1, 2, 2, 8), codedLayer(2, 2, 3, 4), codedLayer(3, 2, 4, 2)],
  };

  it('reads layer1 directly and layer2/layer3 by nearest upsampling to the layer1 grid', () => {
    assert.equal(totalEmbeddingChannels(outputs), 9);
    const channels = Int32Array.from([1, 2, 4, 8]); // layer1 c1, layer2 c0, layer2 c2, layer3 c3
    const batch = gatherEmbeddings(outputs, channels);
    assert.equal(batch.positions, 64);
    assert.equal(batch.dims, 4);
    for (let b = 0; b < 2; b++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          const at = ((y * 8 + x) * 2 + b) * 4;
          const expected = [
            1e6 + b * 1e5 + 1e3 + y * 30 + x,
            2e6 + b * 1e5 + 0 + (y >> 1) * 30 + (x >> 1),
            2e6 + b * 1e5 + 2e3 + (y >> 1) * 30 + (x >> 1),
            3e6 + b * 1e5 + 3e3 + (y >> 2) * 30 + (x >> 2),
          ];
          assert.deepEqual(Array.from(batch.data.subarray(at, at + 4)), expected);
        }
      }
    }
  });

  it('rejects a channel outside the concatenation', () => {
    assert.throws(() => gatherEmbeddings(outputs, Int32Array.from([9])), RangeError);
  });
});
