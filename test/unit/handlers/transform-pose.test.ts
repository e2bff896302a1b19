// The cloud's transform (its handler, created with fake deps: local folders as mock buckets) writes the same pose
// fields into transform-report.json as the CLI's transform of the same images: one report, one name, both paths.
// Generated class with known misplacements, so that some images are flagged and the comparison is not vacuous.
import '../../../infra/local/quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressFolder, transformFolder } from '../../../lambdas/cli/local-runs.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';
import { sha256 } from '../../../lambdas/core/hash.ts';
import { encodePng } from '../../../lambdas/core/image-io.ts';
import { placementClass } from '../../../lambdas/core/synthetic/placements.ts';
import { parseTransformReport, TRANSFORM_REPORT_FILE, type TransformReport } from '../../../lambdas/core/transform-report.ts';
import type { HandlerDeps } from '../../../lambdas/handlers/commons/deps.ts';
import { pointerKey, type LatestPointer } from '../../../lambdas/handlers/commons/layout.ts';
import { createTransformHandler, type TransformResult } from '../../../lambdas/handlers/transform.ts';
import { tempDir } from '../../helpers/synthetic-folder.ts';
import { fakeDeps, INGEST, OUTPUT } from './fakes.ts';

const DATASET = 'parts/brackets';
const RUN_PREFIX = `datasets/${DATASET}/runs/r1`;

let dir: string;
let deps: HandlerDeps;

describe('transform handler with fake deps (mock buckets): the same pose fields as the CLI', () => {
  before(async () => {
    dir = await tempDir('adreel-transform-pose-');
    const train = join(dir, 'train');
    const fresh = join(dir, INGEST, 'new');
    await mkdir(train, { recursive: true });
    await mkdir(fresh, { recursive: true });
    for (const shot of placementClass({ kind: 'asymmetric', spread: 'tight', size: 128, train: 16, good: 3, misplaced: 4, seed: 5 })) {
      await writeFile(join(shot.role === 'train' ? train : fresh, shot.name), await encodePng(shot.image));
    }
    // compressed by the CLI's compress straight into the (mock) output bucket, then published by its pointer
    await compressFolder(train, join(dir, OUTPUT, RUN_PREFIX), parseCompressOptions({ crf: 28, threads: 1, preset: 'ultrafast', segmenter: 'threshold' }));
    const manifest = await readFile(join(dir, OUTPUT, RUN_PREFIX, 'manifest.bin'));
    const pointer: LatestPointer = { runId: 'r1', prefix: RUN_PREFIX, manifestSha256: sha256(manifest), publishedAt: new Date(0).toISOString() };
    await mkdir(join(dir, OUTPUT, 'datasets', DATASET), { recursive: true });
    await writeFile(join(dir, OUTPUT, pointerKey(DATASET)), JSON.stringify(pointer));
    deps = await fakeDeps(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('per image: pose, distance, threshold and flag; and the pose model and counts', async () => {
    const t = (await createTransformHandler(() => deps)({ dataset: DATASET, inputPrefix: 'new', outputPrefix: 'transformed/new' })) as TransformResult;
    assert.equal(t.images, 7);
    const cloud = parseTransformReport(await deps.output().get(t.reportKey), t.reportKey);
    const cli = await transformFolder(join(dir, OUTPUT, RUN_PREFIX), join(dir, INGEST, 'new'), join(dir, 'cli-transformed'));
    const onDisk = parseTransformReport(await readFile(join(dir, 'cli-transformed', TRANSFORM_REPORT_FILE)), 'cli');
    assert.deepEqual(onDisk, cli);

    const byFile = (r: TransformReport) => new Map(r.report.map((e) => [e.file, e]));
    const a = byFile(cloud);
    const b = byFile(cli);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [file, e] of a) {
      assert.ok(e.pose, `${file}: the cloud report has a pose`);
      assert.deepEqual(e.pose, b.get(file)!.pose, `${file}: same pose fields`);
      assert.deepEqual([e.score, e.ok, e.matrix], [b.get(file)!.score, b.get(file)!.ok, b.get(file)!.matrix]);
    }
    assert.deepEqual(cloud.poseModel, cli.poseModel);
    assert.equal(cloud.poseModel.source, 'manifest');
    assert.equal(cloud.poseFlagged, cli.poseFlagged);
    const misplacedFlagged = cloud.report.filter((e) => e.file.startsWith('misplaced-') && e.pose?.flagged).length;
    assert.ok(misplacedFlagged >= 3, `${misplacedFlagged}/4 misplaced flagged in the cloud report`);
  });
});
