// The gated model segmenter: a plain scene (the auto test passes) gets the threshold mask without running the
// model; a cluttered one (the test fails) goes to the model. The model here is a tiny hand-written ONNX graph
// (tiny-onnx.ts), real onnxruntime, no weights.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createGatedModelSegmenter } from '../../../lambdas/core/segment/model-gated.ts';
import { segmentThreshold, thresholdTestStats } from '../../../lambdas/core/segment/index.ts';
import { objectScene, type ObjectPose } from './synthetic-images.ts';
import { meanSaliencyModel } from './tiny-onnx.ts';

const pose: ObjectPose = { centreX: 130, centreY: 120, angle: 0.6, halfLength: 70, halfWidth: 18 };

let workDir: string;
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'adreel-gated-test-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('createGatedModelSegmenter', () => {
  it('uses the threshold mask where the threshold test passes and the model elsewhere', async () => {
    const modelPath = path.join(workDir, 'tiny.onnx');
    await writeFile(modelPath, meanSaliencyModel('input', 320));
    const segmenter = await createGatedModelSegmenter({ modelPath });
    try {
      assert.equal(segmenter.kind, 'model');
      assert.match(segmenter.description, /only where the threshold test fails/);
      const plain = objectScene(256, pose, { seed: 3 });
      assert.deepEqual((await thresholdTestStats('plain', plain)).failures, []);
      const plainMask = await segmenter.segment(plain, 'plain.png');
      assert.deepEqual(plainMask.data, (await segmentThreshold(plain)).data);
      assert.deepEqual(segmenter.counts, { threshold: 1, model: 0 });

      const cluttered = objectScene(256, pose, { seed: 4, clutter: 120 });
      assert.notDeepEqual((await thresholdTestStats('cluttered', cluttered)).failures, []);
      const clutteredMask = await segmenter.segment(cluttered, 'cluttered.png');
      assert.deepEqual(segmenter.counts, { threshold: 1, model: 1 });
      assert.equal(clutteredMask.width, 256);
      assert.ok(clutteredMask.data.includes(255), 'the model returned an object');
    } finally {
      await segmenter.dispose?.();
    }
  });
});
