// prepare-reference: list the dataset, pick the reference and the segmenter, and write the list of images the
// Distributed Map reads (ItemReader) to the work prefix. Returns keys and counts only.
import { z } from 'zod';
import { resolveDataset } from '../core/dataset.ts';
import { prepareReferenceStage } from '../core/compress/prepare-reference.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { RunEvent } from './commons/events.ts';
import { ingestStore, runStore, workPrefix } from './commons/layout.ts';
import { ensureModel } from './commons/model.ts';
import { logger } from './commons/powertools.ts';
import { RUN_STATE, writeState, type MapItem } from '../core/run-state/index.ts';


export type { MapItem };

export interface PrepareResult {
  imageCount: number;
  skipped: number;
  /** bucket and key of the JSON array of MapItem the Distributed Map reads */
  itemsBucket: string;
  itemsKey: string;
}

export const handler = defineHandler('prepareReference', RunEvent, async (event): Promise<PrepareResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const modelPath = await ensureModel(s3);
  const source = ingestStore(s3, cfg);
  const target = runStore(s3, cfg, event);
  const { listing, layout } = await resolveDataset(source, event.dataset);
  const job = await prepareReferenceStage({ source, target, log: (m) => logger.info(m) }, listing, layout, { ...event.options, modelPath });
  const items: MapItem[] = job.entries.map((e, index) => ({ index, name: e.name }));
  await writeState(target, RUN_STATE.items, items);
  return {
    imageCount: items.length,
    skipped: job.skipped.length,
    itemsBucket: cfg.outputBucket,
    itemsKey: `${workPrefix(event)}/${RUN_STATE.items.key}`,
  };
});
