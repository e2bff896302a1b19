// transform: apply a dataset's geometry (reference alignment + union mask) to new images (test or inference)
// found under `inputPrefix` in the ingest bucket; writes `<stem>.png` plus transform-report.json (the CLI's report:
// lambdas/core/transform-report.ts) under `outputPrefix`. Returns keys and counts.
import { z } from 'zod';
import { listDataset } from '../core/dataset.ts';
import { encodePng } from '../core/image-io.ts';
import { COMPLETE_MARKER, completeMarker, prepareOutputPrefix } from '../core/output-prefix.ts';
import { openTransformer } from '../core/transform.ts';
import { serializeTransformReport, TRANSFORM_REPORT_FILE, TransformReportBuilder } from '../core/transform-report.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, prefixBelow } from '../ground/run-contract.ts';
import { ingestStore, outputStore, TRANSFORMED_PREFIX } from './commons/layout.ts';
import { ensureModel } from './commons/model.ts';
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

export const handler = defineHandler('transform', TransformEvent, async (event): Promise<TransformResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const modelPath = await ensureModel(s3);
  const { store } = await openPublished(s3, cfg, event.dataset);
  const source = ingestStore(s3, cfg);
  const dest = outputStore(s3, cfg).child(event.outputPrefix);
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
  await dest.put(COMPLETE_MARKER, completeMarker(`s3://${cfg.outputBucket}/${event.outputPrefix}/`, [...entries.map((e) => `${e.stem}.png`), TRANSFORM_REPORT_FILE]));
  return {
    bucket: cfg.outputBucket,
    outputPrefix: event.outputPrefix,
    images: summary.images,
    flagged: summary.flagged,
    reportKey: `${event.outputPrefix}/${TRANSFORM_REPORT_FILE}`,
  };
});
