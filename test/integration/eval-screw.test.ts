// The PaDiM evaluator on PROTOCOL.md's CI subset of the real screws (first 24 training images, 12 test images
// spread over the defect types), linked under os.tmpdir(); skipped when ../shared is absent.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { screwMissing } from '../../bench/lib/shared-data.ts';
import { resolveBackbonePath } from '../../lambdas/eval/backbone.ts';
import { evaluateCategory, evaluateFromFolders, type EvalStage } from '../../lambdas/eval/evaluate.ts';
import { CI_TEST, CI_TRAIN, linkTestSubset, linkTrainSubset } from '../helpers/screw-subset.ts';

function backboneMissing(): string | undefined {
  try {
    resolveBackbonePath();
    return undefined;
  } catch (error) {
    return `PaDiM backbone not available: ${(error as Error).message}`;
  }
}

const skip = screwMissing() ?? backboneMissing();
if (skip) console.log(`# skipping eval-screw integration test: ${skip}`);

describe('PaDiM evaluator on the screw CI subset', { skip }, () => {
  let category = '';
  after(async () => {
    if (category) await rm(category, { recursive: true, force: true });
  });

  it('gives AUROCs in [0, 1], image AUROC above chance, for two seeds in one pass', { timeout: 120_000 }, async () => {
    category = await mkdtemp(path.join(os.tmpdir(), 'adreel-eval-screw-'));
    await linkTrainSubset(path.join(category, 'train', 'good'));
    const testCount = await linkTestSubset(category);
    const stages = new Map<EvalStage, number>();
    const results = await evaluateCategory(category, {
      seeds: [0, 1],
      onProgress: (stage, done) => stages.set(stage, done),
    });

    assert.equal(results.length, 2);
    assert.deepEqual(results.map((result) => result.seed), [0, 1]);
    for (const result of results) {
      assert.equal(result.trainCount, CI_TRAIN);
      assert.equal(result.testCount, testCount);
      assert.ok(result.imageAuroc >= 0 && result.imageAuroc <= 1);
      assert.ok(result.pixelAuroc >= 0 && result.pixelAuroc <= 1);
      assert.ok(result.imageAuroc > 0.5, `image AUROC ${result.imageAuroc} (seed ${result.seed}) is not above chance`);
      assert.ok(result.pixelAuroc > 0.5, `pixel AUROC ${result.pixelAuroc} (seed ${result.seed}) is not above chance`);
      assert.match(result.backbone.sha256, /^[0-9a-f]{64}$/);
      assert.ok(result.seconds.total >= result.seconds.features);
      console.log(
        `# seed ${result.seed}: image ${result.imageAuroc.toFixed(4)} pixel ${result.pixelAuroc.toFixed(4)} ` +
          `seconds ${JSON.stringify(result.seconds)}`,
      );
    }
    assert.notEqual(results[0].pixelAuroc, results[1].pixelAuroc, 'different channel subsets give different maps');
    assert.deepEqual(Object.fromEntries(stages), { train: CI_TRAIN, fit: 2, test: testCount });
    assert.equal(testCount, CI_TEST);

    // The same split through the folders API with a single seed reproduces seed 0 exactly.
    const single = await evaluateFromFolders({
      trainDir: path.join(category, 'train', 'good'),
      testDir: path.join(category, 'test'),
      groundTruthDir: path.join(category, 'ground_truth'),
    });
    assert.equal(single.seed, 0);
    assert.equal(single.imageAuroc, results[0].imageAuroc);
    assert.equal(single.pixelAuroc, results[0].pixelAuroc);
  });
});
