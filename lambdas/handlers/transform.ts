// transform: apply a dataset's geometry (reference alignment + union mask) to new images (test or inference)
// found under `inputPrefix` in the ingest bucket; writes `<stem>.png` plus transforms.json (matrix and alignment
// score per image) under `outputPrefix`. Returns keys and counts.
import { z } from 'zod';
import { listDataset } from '../core/dataset.ts';
import { encodePng } from '../core/image-io.ts';
import { openTransformer } from '../core/transform.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, ingestStore, outputStore, TRANSFORMED_PREFIX } from './commons/layout.ts';
import { ensureModel } from './commons/model.ts';
import { openPublished } from './commons/published.ts';
import { putJson } from './commons/run-state.ts';

export const TransformEvent = z.object({
  dataset: DatasetName,
  /** folder of images in the ingest bucket */
  inputPrefix: DatasetName,
  outputPrefix: z
    .string()
    .regex(/^transformed\/([A-Za-z0-9_-][A-Za-z0-9._-]*\/?)+$/, `outputPrefix must be below ${TRANSFORMED_PREFIX}`)
    .transform((p) => p.replace(/\/+$/, '')),
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
  await ensureModel(s3);
  const { store } = await openPublished(s3, cfg, event.dataset);
  const source = ingestStore(s3, cfg);
  const dest = outputStore(s3, cfg).child(event.outputPrefix);
  const { entries } = await listDataset(source, event.inputPrefix);
  const transformer = await openTransformer(store);
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
    bucket: cfg.outputBucket,
    outputPrefix: event.outputPrefix,
    images: report.length,
    flagged: report.filter((r) => r.warnings.length > 0).length,
    reportKey: `${event.outputPrefix}/transforms.json`,
  };
});
