// The local cloud path on PROTOCOL's CI subset of the real screws (first 24 training images): upload + _READY marker
// -> the synthesized state machine with the real handlers (s3rver on 127.0.0.1) -> the restore handler; its
// restored frames decode to the same pixels as the CLI's compress + restore with the same options.
import './quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { screwMissing } from '../../bench/lib/shared-data.ts';
import { compressFolder } from '../../lambdas/cli/local-runs.ts';
import { linkTrainSubset, CI_TRAIN } from '../helpers/screw-subset.ts';
import { pixelHashesOfFolder, restoreToFolder, runLocalCloud } from './harness.ts';
import { parseCompressOptions } from '../../lambdas/core/compress/options.ts';

/** threads pinned: the reel is reproducible, so both paths decode to the same pixels */
const OPTIONS = { crf: 28, threads: 1, segmenter: 'threshold' as const };

describe('serverless pipeline, local, on the CI screw subset', { skip: screwMissing() }, () => {
  let work: string;
  let images: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'adreel-e2e-screw-'));
    images = join(work, 'train-good');
    await linkTrainSubset(images, CI_TRAIN);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`${CI_TRAIN} real screws: upload + marker -> SUCCEEDED -> restore handler equals the CLI's pixels`, async () => {
    const run = await runLocalCloud({ folder: images, dataset: 'mvtec/screw', options: OPTIONS, outputPrefix: 'restored/screw-ci' });
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.error));
    assert.equal(run.uploaded, CI_TRAIN);
    assert.equal(run.restore?.frames, CI_TRAIN);
    assert.equal(Object.keys(run.hashes).length, CI_TRAIN);

    const cliOut = join(work, 'cli-out');
    const cliRestored = join(work, 'cli-restored');
    await compressFolder(images, cliOut, parseCompressOptions(OPTIONS));
    assert.equal(await restoreToFolder(cliOut, cliRestored), CI_TRAIN);
    assert.deepEqual(run.hashes, await pixelHashesOfFolder(cliRestored));
    console.log(
      `local cloud path, ${CI_TRAIN} real screws: upload -> state machine -> restore in ${run.seconds.toFixed(1)} s ` +
        `(upload ${run.uploadSeconds.toFixed(1)} s, state machine ${run.executionSeconds.toFixed(1)} s, restore ${run.restoreSeconds.toFixed(1)} s; ` +
        `setup ${run.setupSeconds.toFixed(1)} s not included)`,
    );
  });
});
