// summarize: one summary for the run, over every class of the upload (each class published its own manifest and
// LATEST pointer in the class Map). Written to `datasets/<dataset>/runs/<runId>/summary.json`; keys only returned.
import { loadManifest } from '../core/artifacts.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { CLASSES_KEY, outputStore, runPrefix, runStore, SUMMARY_FILE } from './commons/layout.ts';
import { putJson, readJson } from './commons/run-state.ts';
import type { ClassItem } from './discover.ts';

export interface RunSummaryClass {
  class: string | null;
  dataset: string;
  manifestKey: string;
  frames: number;
  dropped: number;
  inputBytes: number;
  reelBytes: number;
  segments: number;
  ratio: number;
}

export interface CloudRunSummary {
  schema: 'adreel.run-summary';
  version: 1;
  dataset: string;
  runId: string;
  createdAt: string;
  classes: RunSummaryClass[];
  totals: { classes: number; frames: number; dropped: number; inputBytes: number; reelBytes: number; segments: number; ratio: number };
}

export interface SummarizeResult {
  summaryKey: string;
  classes: number;
  frames: number;
}

export const handler = defineHandler('summarize', RunRef, async (run): Promise<SummarizeResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const items = await readJson<ClassItem[]>(runStore(s3, cfg, run), CLASSES_KEY);
  const out = outputStore(s3, cfg);
  const classes: RunSummaryClass[] = [];
  for (const item of items) {
    const prefix = runPrefix({ dataset: item.dataset, runId: run.runId });
    const m = await loadManifest(out.child(prefix));
    const reelBytes = m.reels.reduce((a, r) => a + r.bytes, 0);
    classes.push({
      class: item.class,
      dataset: item.dataset,
      manifestKey: `${prefix}/manifest.json`,
      frames: m.frames.length,
      dropped: m.dropped.length,
      inputBytes: m.dataset.inputBytes,
      reelBytes,
      segments: m.reels.length,
      ratio: m.dataset.inputBytes / reelBytes,
    });
  }
  const sum = (f: (c: RunSummaryClass) => number) => classes.reduce((a, c) => a + f(c), 0);
  const summary: CloudRunSummary = {
    schema: 'adreel.run-summary',
    version: 1,
    dataset: run.dataset,
    runId: run.runId,
    createdAt: new Date().toISOString(),
    classes,
    totals: {
      classes: classes.length,
      frames: sum((c) => c.frames),
      dropped: sum((c) => c.dropped),
      inputBytes: sum((c) => c.inputBytes),
      reelBytes: sum((c) => c.reelBytes),
      segments: sum((c) => c.segments),
      ratio: sum((c) => c.inputBytes) / Math.max(1, sum((c) => c.reelBytes)),
    },
  };
  const summaryKey = `${runPrefix(run)}/${SUMMARY_FILE}`;
  await putJson(out, summaryKey, summary);
  return { summaryKey, classes: classes.length, frames: summary.totals.frames };
});
