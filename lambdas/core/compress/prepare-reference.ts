// Stage 1: pick the reference image, take the dataset's decisions (decide/: segmenter, alignment mode, mask,
// misalignment rule) on a sample of its images, store the reference and its object mask.
import sharp from 'sharp';
import { warpImage } from '../align/warp.ts';
import { decodeImage, encodePng } from '../image-io.ts';
import { packMask } from '../mask-pack.ts';
import { decideDataset } from '../decide/index.ts';
import type { SampleImage } from '../segment/index.ts';
import { DatasetError } from '../../ground/errors.ts';
import type { DatasetListing } from '../dataset.ts';
import { encodeCompactReference, type CompactReferenceLayout } from '../compact-reference.ts';
import { storedSize } from '../frame-scale.ts';
import type { Mask } from '../types.ts';
import { KEYS, type JobState, type StageContext } from './job.ts';
import type { CompressOptions } from './options.ts';
import { RUN_STATE, writeState } from '../run-state/index.ts';

/** How many images (spread over the dataset) the auto segmenter test looks at. */
const SEGMENTER_SAMPLE = 8;

export async function prepareReferenceStage(
  ctx: StageContext,
  listing: DatasetListing,
  sourceLayout: JobState['sourceLayout'],
  options: CompressOptions,
): Promise<JobState> {
  const { entries } = listing;
  const refIndex = options.reference ? entries.findIndex((e) => e.name === options.reference) : 0;
  if (refIndex < 0) {
    throw new DatasetError(`reference image "${options.reference}" is not among the ${entries.length} input images`);
  }
  const refEntry = entries[refIndex];
  const decoded = await decodeImage(await ctx.source.get(refEntry.key), refEntry.name);
  const reference = decoded.image;
  const warnings = [...decoded.warnings];
  for (const s of listing.skipped) warnings.push(`${s.name}: skipped, ${s.reason}`);

  let segmenter: JobState['segmenter'] = null;
  const step = Math.max(1, Math.floor(entries.length / SEGMENTER_SAMPLE));
  const others: SampleImage[] = [];
  if (options.align || options.mask) {
    for (let i = step; i < entries.length && others.length < SEGMENTER_SAMPLE - 1; i += step) {
      if (i === refIndex) continue;
      const e = entries[i];
      others.push({ name: e.name, image: (await decodeImage(await ctx.source.get(e.key), e.name, { mode: decoded.info.mode })).image });
    }
  }
  const decision = await decideDataset({ name: refEntry.name, image: reference }, others, {
    segmenter: options.segmenter,
    modelPath: options.modelPath,
    align: options.align,
    mask: options.mask,
  });
  const { decisions } = decision;
  if (decision.chosen) {
    const chosen = decision.chosen;
    try {
      await ctx.target.put(KEYS.referenceMask, packMask(decision.referenceMask!));
    } finally {
      await chosen.segmenter.dispose?.();
    }
    segmenter = { kind: chosen.segmenter.kind, reason: chosen.reason, modelSha256: chosen.modelSha256 };
  }
  ctx.log?.(`segmenter: ${decisions.segmenter.kind} (${decisions.segmenter.reason})`);
  ctx.log?.(`alignment: ${decisions.alignment.mode} (${decisions.alignment.reason})`);
  ctx.log?.(`mask: ${decisions.mask.enabled ? 'union' : 'none'} (${decisions.mask.reason})`);
  // Unaligned and unmasked, frames of other sizes are only placed (top-left) in one frame: the largest, so that
  // padding never crops a pixel; restore gives each image its own size back.
  let frame = { width: reference.width, height: reference.height };
  let storedReference = reference;
  if (decisions.alignment.mode === 'none' && !decisions.mask.enabled) {
    let resized = 0;
    for (const e of entries) {
      const meta = await sharp(await ctx.source.get(e.key)).metadata();
      const w = meta.autoOrient?.width ?? meta.width ?? 0;
      const h = meta.autoOrient?.height ?? meta.height ?? 0;
      if (w !== reference.width || h !== reference.height) resized++;
      frame = { width: Math.max(frame.width, w), height: Math.max(frame.height, h) };
    }
    if (resized > 0) {
      decisions.frameSize = {
        width: frame.width,
        height: frame.height,
        resized,
        reason: `${resized} of ${entries.length} images differ in size from the reference: every image is placed top-left in the largest size, ${frame.width}x${frame.height}, padded, never cropped; restore gives each its own size back`,
      };
      storedReference = await warpImage(reference, [1, 0, 0, 0, 1, 0], frame.width, frame.height);
      ctx.log?.(`frame size: ${decisions.frameSize.reason}`);
    }
  }
  // Aligning new images needs only the reference around its object; without alignment nothing reads it.
  let referenceLayout: CompactReferenceLayout | undefined;
  const refMask = decision.referenceMask ?? undefined;
  if (decisions.alignment.mode !== 'none' && refMask) {
    const compact = await encodeCompactReference(reference, refMask);
    referenceLayout = compact.layout;
    await ctx.target.put(KEYS.referenceCompact, compact.file);
  } else {
    await ctx.target.put(KEYS.reference, await encodePng(storedReference));
  }

  const job: JobState = {
    version: 1,
    requested: { align: options.align, mask: options.mask },
    sourceLayout,
    entries,
    skipped: listing.skipped,
    reference: { index: refIndex, name: refEntry.name },
    mode: decoded.info.mode,
    width: frame.width,
    height: frame.height,
    segmenter,
    warnings,
    decisions,
    // what the run does, after the decisions (the options say what was asked)
    options: { ...options, align: decisions.alignment.mode !== 'none', mask: decisions.mask.enabled },
    ...(referenceLayout ? { referenceLayout } : {}),
    stored: storedSize(frame.width, frame.height, options.maxSide),
  };
  await writeState(ctx.target, RUN_STATE.job, job);
  return job;
}
