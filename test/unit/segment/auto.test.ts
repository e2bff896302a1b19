import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DatasetError, SegmentationError, UsageError } from '../../../lambdas/ground/errors.ts';
import { decodeImage, imageToGrey } from '../../../lambdas/core/image-io.ts';
import { renderSyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';
import { AUTO_TEST, MODEL_ENV_VAR, chooseSegmenter, thresholdTestStats } from '../../../lambdas/core/segment/index.ts';
import { iou, objectMask, objectScene, type ObjectPose } from './synthetic-images.ts';
import { meanSaliencyModel } from './tiny-onnx.ts';

const SIZE = 256;

function pose(i: number): ObjectPose {
  return { centreX: 110 + 7 * i, centreY: 120 + 3 * i, angle: 0.3 + 0.4 * i, halfLength: 70 + 2 * i, halfWidth: 14 };
}

function plainSample(count: number, channels: 1 | 3 = 1) {
  return Array.from({ length: count }, (_, i) => ({ name: `plain-${i}.png`, image: objectScene(SIZE, pose(i), { seed: i + 1, channels }) }));
}

const cluttered = { name: 'bench-clutter.png', image: objectScene(SIZE, pose(0), { seed: 99, clutter: 120 }) };

// The core never reads the env var (the CLI does); kept out of these tests anyway to prove it.
let savedEnv: string | undefined;
beforeEach(() => {
  savedEnv = process.env[MODEL_ENV_VAR];
  delete process.env[MODEL_ENV_VAR];
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env[MODEL_ENV_VAR];
  else process.env[MODEL_ENV_VAR] = savedEnv;
});

let workDir: string;
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'adreel-auto-test-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('thresholdTestStats', () => {
  it('plain background: bimodal, plain border, one dominant object of the right size', async () => {
    const { image } = plainSample(1)[0]!;
    const stats = await thresholdTestStats('plain.png', image);
    assert.deepEqual(stats.failures, []);
    assert.ok(stats.bimodality > 0.9, `bimodality ${stats.bimodality}`);
    assert.equal(stats.borderBackground, 1);
    const truthFraction = objectMask(SIZE, pose(0)).data.filter((v) => v > 0).length / (SIZE * SIZE);
    assert.ok(Math.abs(stats.objectFraction - truthFraction) < 0.01, `object ${stats.objectFraction} vs ${truthFraction}`);
    assert.ok(stats.largestShare > 0.99);
  });

  it('cluttered background: fails, saying why', async () => {
    const stats = await thresholdTestStats(cluttered.name, cluttered.image);
    assert.ok(stats.largestShare < AUTO_TEST.minLargestShare, `largest share ${stats.largestShare}`);
    assert.match(stats.failures.join('; '), /no dominant object/);
  });

  it('a frame with no object (smooth gradient) fails', async () => {
    const data = new Uint8Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) data[y * SIZE + x] = x;
    const stats = await thresholdTestStats('gradient.png', { width: SIZE, height: SIZE, channels: 1, data });
    assert.ok(stats.failures.length > 0);
    assert.match(stats.failures.join('; '), /background not plain/);
  });
});

/** An orange bracket on a teal background of the same luminance (RGB). */
function sameBrightnessColour(i: number) {
  const shot = renderSyntheticObject({
    kind: 'asymmetric', width: SIZE, height: SIZE, angleDeg: 30 + 50 * i, scale: 1, tx: 4 * i, ty: -3 * i, seed: 20 + i,
    backgroundLevel: 100, tint: { object: [1.4, 0.9, 0.5], background: [0.6, 1.1, 1.2] },
  });
  return { name: `colour-${i}.png`, image: shot.image, truth: shot.mask };
}

describe('thresholdTestStats on colour', () => {
  it('an object of the background\'s brightness in another colour: fails on luminance, passes on the distance from the border\'s colour', async () => {
    const { name, image, truth } = sameBrightnessColour(0);
    const grey = { ...image, channels: 1 as const, data: imageToGrey(image).data };
    const onLuminance = await thresholdTestStats(name, grey);
    assert.equal(onLuminance.channel, 'luminance');
    assert.notDeepEqual(onLuminance.failures, [], 'luminance alone should not separate the object');
    const stats = await thresholdTestStats(name, image);
    assert.equal(stats.channel, 'colour-distance');
    assert.deepEqual(stats.failures, []);
    const truthFraction = truth.data.filter((v) => v > 0).length / (SIZE * SIZE);
    assert.ok(Math.abs(stats.objectFraction - truthFraction) < 0.01, `object ${stats.objectFraction} vs ${truthFraction}`);
  });

  it('a colour image with luminance contrast stays on luminance', async () => {
    const { image } = plainSample(1, 3)[0]!;
    assert.equal((await thresholdTestStats('plain.png', image)).channel, 'luminance');
  });

  it('a colour image that fails on both planes says so in its failures', async () => {
    const random = mulberry32(5);
    const data = Uint8Array.from({ length: SIZE * SIZE * 3 }, () => Math.floor(256 * random()));
    const stats = await thresholdTestStats('noise.png', { width: SIZE, height: SIZE, channels: 3, data });
    assert.equal(stats.channel, 'luminance');
    assert.match(stats.failures.join('; '), /on the distance from the border's colour too: /);
  });
});

describe('chooseSegmenter', () => {
  it('auto on same-brightness colour objects: threshold on the colour-distance plane, said in the reason, and it segments them', async () => {
    const sample = Array.from({ length: 4 }, (_, i) => sameBrightnessColour(i));
    const chosen = await chooseSegmenter({ mode: 'auto', sample });
    assert.equal(chosen.segmenter.kind, 'threshold');
    assert.match(chosen.reason, /4 of them on the distance from the border's colour \(no luminance contrast\)/);
    for (const s of sample) {
      const mask = await chosen.segmenter.segment(s.image, s.name);
      assert.ok(iou(mask, s.truth) > 0.97, `${s.name}: IoU ${iou(mask, s.truth)}`);
    }
  });

  it('auto picks threshold on plain-background objects, and it segments them', async () => {
    const sample = plainSample(10);
    const chosen = await chooseSegmenter({ mode: 'auto', sample });
    assert.equal(chosen.segmenter.kind, 'threshold');
    assert.equal(chosen.modelSha256, undefined);
    assert.match(chosen.reason, /^auto: threshold test passed on 8 images: bimodality 0\.\d+\.\.0\.\d+/);
    // The adapter hands the image to threshold.ts and its mask back (how well threshold.ts segments is its own test).
    const mask = await chosen.segmenter.segment(sample[3]!.image, sample[3]!.name);
    assert.equal(mask.width, SIZE);
    assert.equal(mask.height, SIZE);
    const truth = objectMask(SIZE, pose(3));
    let maskPixels = 0;
    let insideTruth = 0;
    for (let i = 0; i < mask.data.length; i++) {
      if (!mask.data[i]) continue;
      maskPixels++;
      if (truth.data[i]) insideTruth++;
    }
    assert.ok(maskPixels > 0 && insideTruth / maskPixels > 0.9, `${insideTruth} of ${maskPixels} mask pixels on the object`);
  });

  it('auto also accepts RGB frames (tested on luminance)', async () => {
    const chosen = await chooseSegmenter({ mode: 'auto', sample: plainSample(3, 3) });
    assert.equal(chosen.segmenter.kind, 'threshold');
    assert.doesNotMatch(chosen.reason, /distance from the border's colour/);
  });

  it('auto without a model on a cluttered image: SegmentationError with the numbers and the model to supply', async () => {
    const sample = [...plainSample(3), cluttered];
    await assert.rejects(chooseSegmenter({ mode: 'auto', sample }), (error: unknown) => {
      assert.ok(error instanceof SegmentationError, String(error));
      assert.match(error.message, /^bench-clutter\.png: threshold test failed on 1 of 4 sampled images/);
      assert.match(error.message, /no dominant object \(largest region holds \d+\.\d% of the object side < 90\.0%\)/);
      assert.match(error.message, /bimodality 0\.\d{3}\.\.0\.\d{3}/);
      assert.match(error.message, /rembg-compatible .*ONNX model \(e\.g\. isnet-general-use\.onnx or u2net\.onnx\) via --model PATH/);
      return true;
    });
  });

  it('auto with a model given falls back on the model, saying why (the env var alone is not read by the core)', async () => {
    const modelPath = path.join(workDir, 'u2netp.onnx');
    await writeFile(modelPath, meanSaliencyModel('input.1', 320));
    process.env[MODEL_ENV_VAR] = modelPath;
    await assert.rejects(chooseSegmenter({ mode: 'auto', sample: [cluttered] }), /via --model PATH/);
    const chosen = await chooseSegmenter({ mode: 'auto', modelPath, sample: [cluttered] });
    try {
      assert.equal(chosen.segmenter.kind, 'model');
      assert.match(chosen.modelSha256 ?? '', /^[0-9a-f]{64}$/);
      assert.match(chosen.reason, /^auto: threshold test failed on 1 of 1 .*; using model u2net u2netp\.onnx/);
    } finally {
      await chosen.segmenter.dispose?.();
    }
  });

  it('forced modes and their errors', async () => {
    const forced = await chooseSegmenter({ mode: 'threshold', sample: [cluttered] });
    assert.equal(forced.segmenter.kind, 'threshold');
    await assert.rejects(chooseSegmenter({ mode: 'model', sample: [] }), UsageError);
    await assert.rejects(chooseSegmenter({ mode: 'auto', sample: [] }), DatasetError);
    await assert.rejects(
      chooseSegmenter({ mode: 'model', modelPath: path.join(workDir, 'missing.onnx'), sample: [] }),
      /missing\.onnx: model file not found/,
    );
  });
});

const screwDir = '/work/shared/data/mvtec-screw/train/good';
describe('auto on real screws', { skip: existsSync(screwDir) ? false : `real data not present (${screwDir})` }, () => {
  it('MVTec screw passes the threshold test', async () => {
    const sample = [];
    for (const name of ['000.png', '080.png', '160.png', '240.png']) {
      sample.push({ name, image: (await decodeImage(await readFile(path.join(screwDir, name)), name)).image });
    }
    const chosen = await chooseSegmenter({ mode: 'auto', sample });
    assert.equal(chosen.segmenter.kind, 'threshold', chosen.reason);
  });
});
