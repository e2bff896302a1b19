// Local end-to-end seconds of the serverless pipeline on the real screws: upload + _READY marker -> the synthesized
// state machine with the real handlers (aws-local-stepfunctions, s3rver on 127.0.0.1) -> the restore handler.
//   node --import tsx bench/local-pipeline.ts [--limit N]    (default 24: PROTOCOL's CI subset; --limit 320: all)
import '../infra/local/quiet-env.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLocalCloud } from '../infra/local/harness.ts';
import { CI_TRAIN, linkTrainSubset } from '../test/helpers/screw-subset.ts';
import { screwMissing } from './lib/shared-data.ts';

const { values } = parseArgs({ options: { limit: { type: 'string' } } });
const limit = values.limit === undefined ? CI_TRAIN : Number(values.limit);
if (!Number.isInteger(limit) || limit < 2) {
  console.error(`--limit expects a whole number of at least 2, got "${values.limit}"`);
  process.exit(2);
}
const missing = screwMissing();
if (missing) {
  console.error(`bench/local-pipeline: ${missing}`);
  process.exit(1);
}

const OPTIONS = { crf: 28, threads: 1, segmenter: 'threshold' as const };
const work = await mkdtemp(join(tmpdir(), 'adreel-bench-local-'));
try {
  const images = join(work, 'train-good');
  const names = await linkTrainSubset(images, limit);
  const run = await runLocalCloud({ folder: images, dataset: 'mvtec/screw', options: OPTIONS, outputPrefix: 'restored/screw-bench' });
  const states = Object.entries(run.stateSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ');
  console.log(
    [
      `local serverless pipeline, ${names.length} real screws (train/good), options ${JSON.stringify(OPTIONS)}`,
      `  execution ${run.status}${run.error ? ` (${run.error.name}: ${run.error.cause})` : ''}, ${run.restore?.frames ?? 0} frames restored`,
      `  end to end ${run.seconds.toFixed(1)} s: upload + marker ${run.uploadSeconds.toFixed(1)} s, state machine ${run.executionSeconds.toFixed(1)} s, restore handler ${run.restoreSeconds.toFixed(1)} s`,
      `  setup (s3rver + synth, not included) ${run.setupSeconds.toFixed(1)} s`,
      `  in the task handlers (summed over overlapping invocations): ${states}`,
    ].join('\n'),
  );
  process.exitCode = run.status === 'SUCCEEDED' ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
