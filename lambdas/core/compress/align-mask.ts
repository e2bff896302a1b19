// Stage 2 (the Map): one source image -> aligned frame + aligned object mask + a record of what was done.
import { estimateAlignment, prepareReference, disposeReference, warpImage, warpMask, type ReferenceModel } from '../align/index.ts';
import { AdreelError, AlignmentError, DatasetError } from '../../ground/errors.ts';
import { sha256 } from '../hash.ts';
import { decodeImage, decodeMask, encodeMaskPng, encodePng } from '../image-io.ts';
import type { Segmenter } from '../segment/index.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { expandCompactReference } from '../compact-reference.ts';
import { toStoredImage, toStoredMask } from '../frame-scale.ts';
import { KEYS, referenceKey, storedSizeOf, type FrameDraft, type JobState, type StageContext } from './job.ts';
import { openSegmenter } from './segmenter.ts';
import { RUN_STATE, writeState } from '../run-state/index.ts';

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** What one worker keeps between images: the segmenter and the reference's features. */
export interface AlignWorker {
  segmenter?: Segmenter;
  reference?: ReferenceModel;
  close(): Promise<void>;
}

/** `modelPath`: the model of a model-segmented run in this process (defaults to the path the run was prepared with). */
export async function openAlignWorker(ctx: StageContext, job: JobState, modelPath = job.options.modelPath): Promise<AlignWorker> {
  const worker: AlignWorker = {
    async close() {
      if (worker.reference) disposeReference(worker.reference);
      await worker.segmenter?.dispose?.();
    },
  };
  if (job.segmenter) worker.segmenter = await openSegmenter(job.segmenter, modelPath);
  if (job.options.align) {
    const png = await ctx.target.get(referenceKey(job));
    // the training set is aligned to exactly the reference the output keeps for its test images
    const ref = job.referenceLayout
      ? await expandCompactReference(png, job.referenceLayout, job.width, job.height, job.mode, referenceKey(job))
      : (await decodeImage(png, KEYS.reference)).image;
    const refMask = await decodeMask(await ctx.target.get(KEYS.referenceMask), KEYS.referenceMask);
    worker.reference = await prepareReference(ref, refMask);
  }
  return worker;
}

export async function alignMaskStage(
  ctx: StageContext,
  job: JobState,
  worker: AlignWorker,
  entryIndex: number,
): Promise<FrameDraft> {
  const entry = job.entries[entryIndex];
  const where = `${ctx.source.description}/${entry.key}`;
  const bytes = await ctx.source.get(entry.key);
  const decoded = await decodeImage(bytes, entry.name, { mode: job.mode });
  const image = decoded.image;
  const draft: FrameDraft = {
    entryIndex,
    name: entry.name,
    stem: entry.stem,
    source: { ...decoded.info, bytes: bytes.length, sha256: sha256(bytes) },
    transform: null,
    alignment: null,
    warnings: [...decoded.warnings],
  };
  const { options } = job;
  const sameSize = image.width === job.width && image.height === job.height;
  if (!options.align && !sameSize) {
    throw new DatasetError(
      `is ${image.width}x${image.height} but the reference ${job.reference.name} is ${job.width}x${job.height}; ` +
        'mixed sizes need alignment (each image is warped into the reference frame): drop --no-align or resize the inputs',
      where,
    );
  }

  let objectMask: Mask | undefined;
  if (worker.segmenter) {
    try {
      objectMask = await worker.segmenter.segment(image, entry.name);
    } catch (err) {
      return applyFailurePolicy(ctx, job, draft, image, err as Error);
    }
  }

  let frame: Image = image;
  let frameMask: Mask | undefined = objectMask;
  if (options.align && worker.reference && objectMask) {
    if (entryIndex === job.reference.index) {
      draft.transform = IDENTITY;
      draft.alignment = { score: 1, silhouetteIou: 1, ncc: 1, method: 'reference', ok: true };
    } else {
      const result = await estimateAlignment(worker.reference, image, objectMask, { name: entry.name });
      draft.transform = result.matrix;
      draft.alignment = {
        score: result.score,
        silhouetteIou: result.silhouetteIou,
        ncc: result.ncc,
        method: result.method,
        ok: result.ok,
      };
      if (!result.ok) {
        const err = new AlignmentError(entry.name, `cannot be aligned to ${job.reference.name}: ${result.reason ?? 'low score'} (score ${result.score.toFixed(3)})`, result.score);
        if (options.onAlignFailure !== 'keep') return applyFailurePolicy(ctx, job, draft, image, err);
        draft.warnings.push(`${err.message}; kept with its best estimate (--on-align-failure keep)`);
      }
    }
    frame = await warpImage(image, draft.transform, job.width, job.height);
    frameMask = await warpMask(objectMask, draft.transform, job.width, job.height);
  }
  const stored = storedSizeOf(job);
  frame = await toStoredImage(frame, stored);
  if (frameMask) frameMask = await toStoredMask(frameMask, stored);

  await ctx.target.put(RUN_STATE.aligned(entryIndex), await encodePng(frame));
  if (frameMask && options.mask) await ctx.target.put(RUN_STATE.objectMask(entryIndex), await encodeMaskPng(frameMask));
  await writeState(ctx.target, RUN_STATE.record(entryIndex), draft);
  return draft;
}

/** fail: stop the run naming the file; drop: leave it out, recorded; keep: keep it unaligned, flagged. */
async function applyFailurePolicy(
  ctx: StageContext,
  job: JobState,
  draft: FrameDraft,
  image: Image,
  err: Error,
): Promise<FrameDraft> {
  const policy = job.options.onAlignFailure;
  if (policy === 'fail' || !(err instanceof AdreelError)) throw err;
  if (policy === 'drop') {
    draft.dropped = err.message;
  } else {
    if (image.width !== job.width || image.height !== job.height) {
      draft.dropped = `${err.message}; cannot be kept unaligned because its size differs from the reference`;
    } else {
      draft.transform = draft.transform ?? IDENTITY;
      // Flagged in the manifest too, not only in a warning: a kept image is never silently taken as aligned.
      if (job.options.align) draft.alignment ??= { score: 0, silhouetteIou: 0, ncc: 0, method: 'unaligned', ok: false };
      draft.warnings.push(`${err.message}; kept unaligned (--on-align-failure keep)`);
      await ctx.target.put(RUN_STATE.aligned(draft.entryIndex), await encodePng(await toStoredImage(image, storedSizeOf(job))));
    }
  }
  await writeState(ctx.target, RUN_STATE.record(draft.entryIndex), draft);
  return draft;
}
