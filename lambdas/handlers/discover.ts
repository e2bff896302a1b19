// discover: what one upload holds. An MVTec-style root with several categories (`<dataset>/<class>/train/good/...`)
// is one upload and one execution: each class becomes its own dataset `<dataset>/<class>` (own reference, mask,
// reel, manifest and LATEST pointer), processed by the class Map in parallel. A folder of images or a single MVTec
// category is one class: the dataset itself. The list goes to S3 (the class Map's ItemReader); keys only returned.
import type { Storage } from '../ground/storage.ts';
import { mvtecClasses } from '../core/dataset.ts';
import { DatasetError } from '../ground/errors.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName } from '../ground/run-contract.ts';
import { ingestStore, runStore, workPrefix } from './commons/layout.ts';
import { RunEvent } from './commons/events.ts';
import { RUN_STATE, writeState, type ClassItem } from '../core/run-state/index.ts';

export type { ClassItem };

export interface DiscoverResult {
  classCount: number;
  classes: (string | null)[];
  classesBucket: string;
  classesKey: string;
}

/** The classes of the upload at `dataset` in `source` (the layout rule is lambdas/core/dataset.ts's, as for the CLI). */
export async function discoverClasses(source: Storage, dataset: string): Promise<ClassItem[]> {
  const classes = await mvtecClasses(source, dataset);
  if (!classes) return [{ dataset, class: null }];
  for (const c of classes) {
    if (!DatasetName.safeParse(`${dataset}/${c}`).success) throw new DatasetError(`category "${c}" is not a usable name (letters, digits, ".", "_", "-")`, `${source.description}/${dataset}/${c}`);
  }
  return classes.map((c) => ({ dataset: `${dataset}/${c}`, class: c }));
}

export const handler = defineHandler('discover', RunEvent, async (event): Promise<DiscoverResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const items = await discoverClasses(ingestStore(s3, cfg), event.dataset);
  await writeState(runStore(s3, cfg, event), RUN_STATE.classes, items);
  return { classCount: items.length, classes: items.map((i) => i.class), classesBucket: cfg.outputBucket, classesKey: `${workPrefix(event)}/${RUN_STATE.classes.key}` };
});
