// summarize: one summary for the run, over every class of the upload (each class published its own manifest and
// LATEST pointer in the class Map). Written to `datasets/<dataset>/runs/<runId>/summary.json`; keys only returned.
import { loadManifest } from '../core/artifacts.ts';
import { buildRunSummary, classFigures, RUN_SUMMARY_FILE, serializeRunSummary, type ClassSummary } from '../core/run-summary.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { outputStore, runPrefix, runStore } from './commons/layout.ts';
import type { ClassItem } from './discover.ts';
import { readState, RUN_STATE } from '../core/run-state/index.ts';

export interface SummarizeResult {
  summaryKey: string;
  classes: number;
  frames: number;
}

export const handler = defineHandler('summarize', RunRef, async (run): Promise<SummarizeResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const items = await readState(runStore(s3, cfg, run), RUN_STATE.classes);
  const out = outputStore(s3, cfg);
  const classes: ClassSummary[] = [];
  for (const item of items) {
    const store = out.child(runPrefix({ dataset: item.dataset, runId: run.runId }));
    const m = await loadManifest(store);
    classes.push({ class: item.class, outDir: store.description, dataset: item.dataset, ...classFigures(m, await store.list('')) });
  }
  const summary = buildRunSummary({ input: `s3://${cfg.ingestBucket}/${run.dataset}`, outDir: out.child(runPrefix(run)).description, dataset: run.dataset, runId: run.runId }, classes);
  const summaryKey = `${runPrefix(run)}/${RUN_SUMMARY_FILE}`;
  await out.put(summaryKey, serializeRunSummary(summary));
  return { summaryKey, classes: classes.length, frames: summary.totals.frames };
});
