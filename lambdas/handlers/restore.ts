// restore: decode the dataset's current reel into PNGs under `outputPrefix` and write a SageMaker manifest file
// (S3DataType=ManifestFile) listing every restored frame, last: a job that finds the manifest finds every frame.
// The reel is read segment by segment, only the segments holding the requested frames: with RESTORE_SEGMENT_FUNCTION
// set (the stack sets it) one restore-segment Lambda per segment, RESTORE_FANOUT at a time; otherwise (locally, or
// a one-segment reel) the segments are decoded here, in parallel. Every frame is checked against the manifest before
// it is written, so a tampered reel is refused. Returns keys and counts.
import { z } from 'zod';
import { parseFrameRange, restoreFramesParallel, segmentsNeeded, type FrameRange } from '../core/restore.ts';
import { loadManifest } from '../core/artifacts.ts';
import { IntegrityError } from '../ground/errors.ts';
import { mapPool } from '../core/map-pool.ts';
import { COMPLETE_MARKER, completeMarker, prepareOutputPrefix } from '../core/output-prefix.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, prefixBelow } from '../ground/run-contract.ts';
import { outputStore, RESTORED_PREFIX } from './commons/layout.ts';
import { openPublished } from './commons/published.ts';
import { tracer } from './commons/powertools.ts';
import type { RestoreSegmentEvent, RestoreSegmentResult } from './restore-segment.ts';

export const SAGEMAKER_MANIFEST = COMPLETE_MARKER;

export const RestoreEvent = z.object({
  dataset: DatasetName,
  outputPrefix: prefixBelow(RESTORED_PREFIX),
  /** "A-B" (0-based, inclusive) or {first, last} */
  frames: z.union([z.string(), z.object({ first: z.number().int().min(0), last: z.number().int().min(0) })]).optional(),
  /** a non-empty outputPrefix is refused unless true */
  overwrite: z.boolean().optional(),
});

export interface RestoreResult {
  bucket: string;
  outputPrefix: string;
  /** the SageMaker ManifestFile, relative to the bucket */
  manifestKey: string;
  manifestS3Uri: string;
  frames: number;
  runId: string;
  /** reel segments read (indices into the manifest's reels), and how many the reel has */
  segments: number[];
  segmentCount: number;
  /** 'lambda' when the segments were restored by restore-segment invocations */
  fanOut: 'lambda' | 'in-process';
}

/** Runs one restore-segment invocation (a Lambda Invoke in the cloud; a direct call in local tests). */
export type SegmentInvoker = (event: RestoreSegmentEvent) => Promise<RestoreSegmentResult>;

export function createRestoreHandler(invoker: () => SegmentInvoker | undefined) {
  return defineHandler('restore', RestoreEvent, async (event): Promise<RestoreResult> => {
    const cfg = readConfig();
    const s3 = s3Client();
    const { store, pointer } = await openPublished(s3, cfg, event.dataset);
    const manifest = await loadManifest(store);
    let frames: FrameRange | undefined;
    if (typeof event.frames === 'string') frames = parseFrameRange(event.frames, manifest.frames.length);
    else if (event.frames) frames = parseFrameRange(`${event.frames.first}-${event.frames.last}`, manifest.frames.length);
    const range = frames ?? { first: 0, last: manifest.frames.length - 1 };
    const dest = outputStore(s3, cfg).child(event.outputPrefix);
    await prepareOutputPrefix(dest, event.overwrite === true);
    const segments = segmentsNeeded(manifest, range);
    const invoke = segments.length > 1 ? invoker() : undefined;
    let restored = 0;
    if (invoke) {
      const fanout = Number(process.env.RESTORE_FANOUT ?? 16);
      const results = await mapPool(segments, fanout, (segment) =>
        invoke({ dataset: event.dataset, runId: pointer.runId, manifestSha256: pointer.manifestSha256, outputPrefix: event.outputPrefix, segment, frames: range }),
      );
      restored = results.reduce((a, r) => a + r.frames, 0);
    } else {
      restored = (await restoreFramesParallel(store, (f) => dest.put(f.fileName, f.png), { manifest, frames: range })).frames;
    }
    const expected = range.last - range.first + 1;
    if (restored !== expected) throw new IntegrityError(dest.description, `restored ${restored} frames, expected ${expected}`);
    // every frame of the range, in manifest order, whichever worker wrote it
    const files = manifest.frames.slice(range.first, range.last + 1).map((f) => `${f.stem}.png`);
    const prefixUri = `s3://${cfg.outputBucket}/${event.outputPrefix}/`;
    await dest.put(SAGEMAKER_MANIFEST, completeMarker(prefixUri, files));
    return {
      bucket: cfg.outputBucket,
      outputPrefix: event.outputPrefix,
      manifestKey: `${event.outputPrefix}/${SAGEMAKER_MANIFEST}`,
      manifestS3Uri: `${prefixUri}${SAGEMAKER_MANIFEST}`,
      frames: files.length,
      runId: pointer.runId,
      segments,
      segmentCount: manifest.reels.length,
      fanOut: invoke ? 'lambda' : 'in-process',
    };
  });
}

let lambdaInvoker: SegmentInvoker | undefined;

/** RequestResponse invocations of the restore-segment function named by RESTORE_SEGMENT_FUNCTION. */
function lambdaSegmentInvoker(): SegmentInvoker | undefined {
  const fn = process.env.RESTORE_SEGMENT_FUNCTION;
  if (!fn) return undefined;
  let client: Promise<{ send: (c: unknown) => Promise<{ Payload?: Uint8Array; FunctionError?: string }>; Invoke: typeof import('@aws-sdk/client-lambda').InvokeCommand }> | undefined;
  lambdaInvoker ??= async (event) => {
    client ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => {
      const c = tracer.captureAWSv3Client(new LambdaClient({}));
      return { send: (cmd: unknown) => c.send(cmd as InstanceType<typeof InvokeCommand>), Invoke: InvokeCommand };
    });
    const { send, Invoke: InvokeCommand } = await client;
    const out = await send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(event)) }));
    const body = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null');
    if (out.FunctionError) {
      const e = new Error(`restore-segment ${event.segment}: ${body?.errorMessage ?? out.FunctionError}`);
      e.name = body?.errorType ?? 'RestoreSegmentError';
      throw e;
    }
    return body as RestoreSegmentResult;
  };
  return lambdaInvoker;
}

export const handler = createRestoreHandler(lambdaSegmentInvoker);
