// Stage 2 (the Map): one source image -> aligned frame + aligned object mask + a record of what was done.
import { estimateAlignment, prepareReference, disposeReference, warpImage, warpMask, type ReferenceModel } from '../align/index.ts';
import { AdreelError, AlignmentError } from '../../ground/errors.ts';
import { sha256 } from '../hash.ts';
import { decodeImage, decodeMask, encodeMaskPng, encodePng } from '../image-io.ts';
import type { Segmenter } from '../segment/index.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { luminance } from '../align/raster.ts';
import { estimateTranslation, maskIou, objectNcc } from '../align/translation.ts';
import { maskPose, type MaskPose } from '../align/coarse-pose.ts';
import { momentsMatrix } from '../pose/moments.ts';
import type { AlignMode } from '../decide/index.ts';
import { expandCompactReference } from '../compact-reference.ts';
import { toStoredImage, toStoredMask } from '../frame-scale.ts';
import { storedTransform } from '../manifest.ts';
import { KEYS, referenceKey, storedSizeOf, type FrameDraft, type JobState, type StageContext } from './job.ts';
import { openSegmenter } from './segmenter.ts';
import { RUN_STATE, writeState } from '../run-state/index.ts';

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** What one worker keeps between images: the segmenter and the reference's features. */
export interface AlignWorker {
  segmenter?: Segmenter;
  reference?: ReferenceModel;
  /** the reference's object mask (translation and the unaligned silhouette IoU) */
  referenceMask?: Mask;
  /** the reference mask's moments (the pose check of translation and none modes) */
  referencePose?: MaskPose;
  /** the reference's luminance (NCC of unmasked, unaligned datasets) */
  referenceGrey?: Uint8Array;
  close(): Promise<void>;
}

/** The alignment mode of a job (job states written before the decisions existed: similarity when aligning). */
export function alignModeOf(job: JobState): AlignMode {
  return job.decisions?.alignment.mode ?? (job.options.align ? 'similarity' : 'none');
}

/** `modelPath`: the model of a model-segmented run in this process (defaults to the path the run was prepared with). */
export async function openAlignWorker(ctx: StageContext, job: JobState, modelPath = job.options.modelPath): Promise<AlignWorker> {
  const worker: AlignWorker = {
    async close() {
      if (worker.reference) disposeReference(worker.reference);
      await worker.segmenter?.dispose?.();
    },
  };
  if (job.segmenter) {
    worker.segmenter = await openSegmenter(job.segmenter, modelPath);
    worker.referenceMask = await decodeMask(await ctx.target.get(KEYS.referenceMask), KEYS.referenceMask);
  }
  // similarity aligns with it; none measures each frame's pose with it (core/pose), moving nothing
  const mode = alignModeOf(job);
  if ((mode === 'similarity' || mode === 'none') && worker.referenceMask) {
    const png = await ctx.target.get(referenceKey(job));
    // the training set is aligned to exactly the reference the output keeps for its test images
    const ref = job.referenceLayout
      ? await expandCompactReference(png, job.referenceLayout, job.width, job.height, job.mode, referenceKey(job))
      : (await decodeImage(png, KEYS.reference)).image;
    // (none, unmasked, mixed sizes: the stored reference is padded to the largest frame and matches no mask)
    if (ref.width === worker.referenceMask.width && ref.height === worker.referenceMask.height) worker.reference = await prepareReference(ref, worker.referenceMask);
  }
  if (job.decisions?.misalignment.metric === 'ncc') {
    worker.referenceGrey = luminance((await decodeImage(await ctx.target.get(KEYS.reference), KEYS.reference)).image);
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
  const mode = alignModeOf(job);

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
  if (mode === 'none') {
    // Not aligned: an image of another size is placed top-left in the reference frame (padded or cropped); the
    // identity transform is recorded so that restore gives it back at its own size.
    if (!sameSize) {
      draft.transform = IDENTITY;
      frame = await warpImage(image, IDENTITY, job.width, job.height);
      if (objectMask) frameMask = await warpMask(objectMask, IDENTITY, job.width, job.height);
      draft.warnings.push(`${entry.name}: ${image.width}x${image.height} placed in the ${job.width}x${job.height} frame (padded/cropped at the right and bottom; restore gives the original size back)`);
    }
    if (entryIndex === job.reference.index) {
      draft.alignment = { score: 1, silhouetteIou: 1, ncc: 1, method: 'reference', ok: true };
      if (frameMask && worker.referenceMask) draft.poseMatrix = IDENTITY;
    } else if (frameMask && worker.referenceMask) {
      const iou = maskIou(frameMask.data, worker.referenceMask.data);
      draft.alignment = { score: iou, silhouetteIou: iou, ncc: 0, method: 'identity', ok: true };
      draft.poseMatrix = await poseMatrixOf(worker, mode, image, objectMask, entry.name);
    } else if (worker.referenceGrey) {
      const ncc = await objectNcc(worker.referenceGrey, fullMask(job.width, job.height), luminance(image), image.width, image.height, IDENTITY);
      draft.alignment = { score: Math.max(0, ncc), silhouetteIou: 0, ncc: Math.max(-1, Math.min(1, ncc)), method: 'identity', ok: true };
    }
  } else if (objectMask) {
    if (entryIndex === job.reference.index) {
      draft.transform = IDENTITY;
      draft.alignment = { score: 1, silhouetteIou: 1, ncc: 1, method: 'reference', ok: true };
      if (mode === 'translation') draft.poseMatrix = IDENTITY;
    } else if (mode === 'translation') {
      const result = await estimateTranslation(worker.referenceMask!, objectMask);
      if (!result) {
        return applyFailurePolicy(ctx, job, draft, image, new AlignmentError(entry.name, `cannot be aligned to ${job.reference.name}: the object mask is empty`, 0));
      }
      draft.transform = result.matrix;
      draft.alignment = { score: result.silhouetteIou, silhouetteIou: result.silhouetteIou, ncc: 0, method: 'translation', ok: true };
      draft.poseMatrix = await poseMatrixOf(worker, mode, image, objectMask, entry.name);
    } else {
      const result = await estimateAlignment(worker.reference!, image, objectMask, { name: entry.name });
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
        // No pose at all (empty mask, implausible size) fails under every policy but keep/drop; a pose that merely
        // verifies poorly fails only in strict mode: by default it is kept and judged against its dataset at publish.
        const noPose = result.method === 'none';
        if (options.onAlignFailure === 'fail' || (noPose && options.onAlignFailure !== 'keep')) return applyFailurePolicy(ctx, job, draft, image, err);
        if (options.onAlignFailure === 'drop') return applyFailurePolicy(ctx, job, draft, image, err);
        draft.warnings.push(`${err.message}; kept with its best estimate (--on-align-failure ${options.onAlignFailure})`);
      }
    }
    // at the manifest's precision, so that the stored transform is exactly the one the frame was warped with
    draft.transform = storedTransform(draft.transform!);
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

/**
 * The pose a test image's is compared with (core/pose) in the modes whose frames do not carry it: none, the
 * aligner's estimate (measured only: the frame is not moved; a poor fit has no pose); translation, the mask's
 * moments against the reference's (the frame is moved by the translation only).
 */
async function poseMatrixOf(worker: AlignWorker, mode: AlignMode, image: Image, objectMask: Mask | undefined, name: string): Promise<Affine | undefined> {
  if (!objectMask || !worker.referenceMask) return undefined;
  if (mode === 'none') {
    if (!worker.reference) return undefined;
    const r = await estimateAlignment(worker.reference, image, objectMask, { name });
    return r.ok ? r.matrix : undefined;
  }
  worker.referencePose ??= maskPose(worker.referenceMask);
  return momentsMatrix(worker.referencePose, maskPose(objectMask)) ?? undefined;
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
  // flag (default) and fail: an image that cannot be aligned at all stops the run, naming it
  if (policy === 'fail' || policy === 'flag' || !(err instanceof AdreelError)) throw err;
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

function fullMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height).fill(255) };
}
