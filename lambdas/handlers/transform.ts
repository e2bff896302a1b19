// transform: apply a dataset's geometry (reference alignment + union mask) to new images (test or inference)
// found under `inputPrefix` in the ingest bucket; writes `<stem>.png` plus transforms.json (matrix and alignment
// score per image) under `outputPrefix`. Returns keys and counts.
import { z } from 'zod';
import { listDataset } from '../core/dataset.ts';
import { encodePng } from '../core/image-io.ts';
import { openTransformer } from '../core/transform.ts';
import { defaultDeps, runStore, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, prefixBelow } from '../ground/run-contract.ts';
import { TRANSFORMED_PREFIX } from './commons/layout.ts';
import { openPublished } from './commons/published.ts';
import { putJson } from './commons/run-state.ts';

export const TransformEvent = z.object({
  dataset: DatasetName,
  /** folder of images in the ingest bucket */
  inputPrefix: DatasetName,
  outputPrefix: prefixBelow(TRANSFORMED_PREFIX),
});

export interface TransformResult {
  bucket: string;
  outputPrefix: string;
  images: number;
  flagged: number;
  reportKey: string;
}

export function createTransformHandler(deps: () => HandlerDeps = defaultDeps) {
  return defineHandler('transform', TransformEvent, async (event): Promise<TransformResult> => {
    const d = deps();
    const modelPath = await d.modelPath();
    const { store } = await openPublished(d, event.dataset);
    const source = d.ingest;
    const dest = d.output(event.outputPrefix);
    const { entries } = await listDataset(source, event.inputPrefix);
    const transformer = await openTransformer(store, { modelPath });
    const report: { name: string; file: string; matrix: unknown; alignment: unknown; pose: unknown; warnings: string[] }[] = [];
    try {
      for (const e of entries) {
        const t = await transformer.transformImage(await source.get(e.key), e.name);
        await dest.put(`${e.stem}.png`, await encodePng(t.image));
        report.push({ name: e.name, file: `${e.stem}.png`, matrix: t.matrix, alignment: t.alignment, pose: t.pose, warnings: t.warnings });
      }
    } finally {
      await transformer.close();
    }
    await putJson(dest, 'transforms.json', report);
    return {
      bucket: d.outputBucket,
      outputPrefix: event.outputPrefix,
      images: report.length,
      flagged: report.filter((r) => r.warnings.length > 0).length,
      reportKey: `${event.outputPrefix}/transforms.json`,
    };
  });
}

export const handler = createTransformHandler();
