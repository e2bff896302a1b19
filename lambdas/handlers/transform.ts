// transform: apply a dataset's geometry (reference alignment + union mask) to new images (test or inference)
// found under `inputPrefix` in the ingest bucket; writes `<stem>.png` plus transform-report.json (the CLI's report:
// lambdas/core/transform-report.ts) under `outputPrefix`. Returns keys and counts.
import { z } from 'zod';
import { listDataset } from '../core/dataset.ts';
import { encodePng } from '../core/image-io.ts';
import { COMPLETE_MARKER, completeMarker, prepareOutputPrefix } from '../core/output-prefix.ts';
import { openTransformer } from '../core/transform.ts';
import { serializeTransformReport, TRANSFORM_REPORT_FILE, TransformReportBuilder } from '../core/transform-report.ts';
import { defaultDeps, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, prefixBelow } from '../ground/run-contract.ts';
import { TRANSFORMED_PREFIX } from './commons/layout.ts';
import { openPublished } from './commons/published.ts';

export const TransformEvent = z.object({
  dataset: DatasetName,
  /** folder of images in the ingest bucket */
  inputPrefix: DatasetName,
  outputPrefix: prefixBelow(TRANSFORMED_PREFIX),
  /** a non-empty outputPrefix is refused unless true */
  overwrite: z.boolean().optional(),
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
    await prepareOutputPrefix(dest, event.overwrite === true);
    const transformer = await openTransformer(store, { modelPath });
    const report = new TransformReportBuilder(transformer);
    try {
      for (const e of entries) {
        const t = await transformer.transformImage(await source.get(e.key), e.name);
        await dest.put(`${e.stem}.png`, await encodePng(t.image));
        report.add(e.name, `${e.stem}.png`, t);
      }
    } finally {
      await transformer.close();
    }
    const summary = report.finish();
    await dest.put(TRANSFORM_REPORT_FILE, serializeTransformReport(summary));
    // last: its presence marks a complete result
    await dest.put(COMPLETE_MARKER, completeMarker(`s3://${d.outputBucket}/${event.outputPrefix}/`, [...entries.map((e) => `${e.stem}.png`), TRANSFORM_REPORT_FILE]));
    return {
      bucket: d.outputBucket,
      outputPrefix: event.outputPrefix,
      images: summary.images,
      flagged: summary.flagged,
      reportKey: `${event.outputPrefix}/${TRANSFORM_REPORT_FILE}`,
    };
  });;
}

export const handler = createTransformHandler();
