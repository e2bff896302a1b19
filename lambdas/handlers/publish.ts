// publish: write the run's manifest (the core writes it last within the run), then point the dataset's LATEST.json
// at the run. Consumers (restore, transform) only ever follow the pointer, so a run is visible complete or not at all.
import { readJob } from '../core/compress/job.ts';
import { publishManifestStage } from '../core/compress/publish.ts';
import { KEYS } from '../core/compress/job.ts';
import { sha256 } from '../core/hash.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { ingestStore, outputStore, pointerKey, runPrefix, runStore, type LatestPointer } from './commons/layout.ts';
import { putJson } from './commons/run-state.ts';
import { readDrafts, readEncoded, readUnion } from '../core/run-state/read.ts';

export interface PublishResult {
  manifestKey: string;
  pointerKey: string;
  frames: number;
  datasetId: string;
}

export const handler = defineHandler('publish', RunRef, async (run): Promise<PublishResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const target = runStore(s3, cfg, run);
  const job = await readJob(target);
  const drafts = await readDrafts(target, job);
  const manifest = await publishManifestStage({ source: ingestStore(s3, cfg), target }, job, drafts, await readUnion(target), await readEncoded(target));
  const pointer: LatestPointer = {
    runId: run.runId,
    prefix: runPrefix(run),
    manifestSha256: sha256(await target.get(KEYS.manifest)),
    publishedAt: new Date().toISOString(),
  };
  await putJson(outputStore(s3, cfg), pointerKey(run.dataset), pointer);
  return { manifestKey: `${runPrefix(run)}/${KEYS.manifest}`, pointerKey: pointerKey(run.dataset), frames: manifest.frames.length, datasetId: manifest.dataset.id };
});
