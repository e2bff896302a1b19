// prepare-reference: list the dataset, pick the reference and the segmenter, and write the list of images the
// Distributed Map reads (ItemReader) to the work prefix. Returns keys and counts only.
import { z } from 'zod';
import { resolveDataset } from '../core/dataset.ts';
import { prepareReferenceStage } from '../core/compress/prepare-reference.ts';
import { defaultDeps, runStore, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { RunEvent } from './commons/events.ts';
import { ITEMS_KEY, workPrefix } from './commons/layout.ts';
import { putJson } from './commons/run-state.ts';
import { logger } from './commons/powertools.ts';


/** One Map item: an image's position in frame order (the name is for logs and the execution history). */
export interface MapItem {
  index: number;
  name: string;
}

export interface PrepareResult {
  imageCount: number;
  skipped: number;
  /** bucket and key of the JSON array of MapItem the Distributed Map reads */
  itemsBucket: string;
  itemsKey: string;
}

export function createPrepareReferenceHandler(deps: () => HandlerDeps = defaultDeps) {
  return defineHandler('prepareReference', RunEvent, async (event): Promise<PrepareResult> => {
    const d = deps();
    const modelPath = await d.modelPath();
    const source = d.ingest;
    const target = runStore(d, event);
    const { listing, layout } = await resolveDataset(source, event.dataset);
    const job = await prepareReferenceStage({ source, target, log: (m) => logger.info(m) }, listing, layout, { ...event.options, modelPath });
    const items: MapItem[] = job.entries.map((e, index) => ({ index, name: e.name }));
    await putJson(target, ITEMS_KEY, items);
    return {
      imageCount: items.length,
      skipped: job.skipped.length,
      itemsBucket: d.outputBucket,
      itemsKey: `${workPrefix(event)}/${ITEMS_KEY}`,
    };
  });
}

export const handler = createPrepareReferenceHandler();
