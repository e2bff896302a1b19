// restore: decode the dataset's current reel into PNGs under `outputPrefix` and write a SageMaker manifest file
// (S3DataType=ManifestFile) listing them, last: a job that finds the manifest finds every frame. Every frame is
// checked against the manifest before it is written, so a tampered reel is refused. Returns keys and counts.
import { z } from 'zod';
import { parseFrameRange, restoreFrames, type FrameRange } from '../core/restore.ts';
import { loadManifest } from '../core/artifacts.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, outputStore, RESTORED_PREFIX } from './commons/layout.ts';
import { openPublished } from './commons/published.ts';

export const SAGEMAKER_MANIFEST = 'adreel.manifest';

const OutputPrefix = z
  .string()
  .regex(/^restored\/([A-Za-z0-9_-][A-Za-z0-9._-]*\/?)+$/, `outputPrefix must be below ${RESTORED_PREFIX} (letters, digits, ".", "_", "-")`)
  .transform((p) => p.replace(/\/+$/, ''));

export const RestoreEvent = z.object({
  dataset: DatasetName,
  outputPrefix: OutputPrefix,
  /** "A-B" (0-based, inclusive) or {first, last} */
  frames: z.union([z.string(), z.object({ first: z.number().int().min(0), last: z.number().int().min(0) })]).optional(),
});

export interface RestoreResult {
  bucket: string;
  outputPrefix: string;
  /** the SageMaker ManifestFile, relative to the bucket */
  manifestKey: string;
  manifestS3Uri: string;
  frames: number;
  runId: string;
}

export const handler = defineHandler('restore', RestoreEvent, async (event): Promise<RestoreResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const { store, pointer } = await openPublished(s3, cfg, event.dataset);
  const manifest = await loadManifest(store);
  let frames: FrameRange | undefined;
  if (typeof event.frames === 'string') frames = parseFrameRange(event.frames, manifest.frames.length);
  else if (event.frames) frames = parseFrameRange(`${event.frames.first}-${event.frames.last}`, manifest.frames.length);
  const dest = outputStore(s3, cfg).child(event.outputPrefix);
  const files: string[] = [];
  for await (const f of restoreFrames(store, { frames })) {
    await dest.put(f.fileName, f.png);
    files.push(f.fileName);
  }
  const prefixUri = `s3://${cfg.outputBucket}/${event.outputPrefix}/`;
  await dest.put(SAGEMAKER_MANIFEST, Buffer.from(JSON.stringify([{ prefix: prefixUri }, ...files], null, 1)));
  return {
    bucket: cfg.outputBucket,
    outputPrefix: event.outputPrefix,
    manifestKey: `${event.outputPrefix}/${SAGEMAKER_MANIFEST}`,
    manifestS3Uri: `${prefixUri}${SAGEMAKER_MANIFEST}`,
    frames: files.length,
    runId: pointer.runId,
  };
});
