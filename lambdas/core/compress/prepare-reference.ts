// Stage 1: pick the reference image and the segmenter, store the reference and its object mask.
import { decodeImage, encodeMaskPng, encodePng } from '../image-io.ts';
import { chooseSegmenter } from '../segment/index.ts';
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
  let refMask: Mask | undefined;
  if (options.align || options.mask) {
    const step = Math.max(1, Math.floor(entries.length / SEGMENTER_SAMPLE));
    const sample = [{ name: refEntry.name, image: reference }];
    for (let i = step; i < entries.length && sample.length < SEGMENTER_SAMPLE; i += step) {
      if (i === refIndex) continue;
      const e = entries[i];
      sample.push({ name: e.name, image: (await decodeImage(await ctx.source.get(e.key), e.name, { mode: decoded.info.mode })).image });
    }
    const chosen = await chooseSegmenter({
      mode: options.segmenter,
      modelPath: options.modelPath,
      sample,
    });
    try {
      refMask = await chosen.segmenter.segment(reference, refEntry.name);
      await ctx.target.put(KEYS.referenceMask, await encodeMaskPng(refMask));
    } finally {
      await chosen.segmenter.dispose?.();
    }
    segmenter = { kind: chosen.segmenter.kind, reason: chosen.reason, modelSha256: chosen.modelSha256 };
    ctx.log?.(`segmenter: ${chosen.segmenter.kind} (${chosen.reason})`);
  }
  // Aligning new images needs only the reference around its object; without alignment nothing reads it.
  let referenceLayout: CompactReferenceLayout | undefined;
  if (options.align && refMask) {
    const compact = await encodeCompactReference(reference, refMask);
    referenceLayout = compact.layout;
    await ctx.target.put(KEYS.referenceCompact, compact.file);
  } else {
    await ctx.target.put(KEYS.reference, await encodePng(reference));
  }

  const job: JobState = {
    version: 1,
    options,
    sourceLayout,
    entries,
    skipped: listing.skipped,
    reference: { index: refIndex, name: refEntry.name },
    mode: decoded.info.mode,
    width: reference.width,
    height: reference.height,
    segmenter,
    warnings,
    ...(referenceLayout ? { referenceLayout } : {}),
    stored: storedSize(reference.width, reference.height, options.maxSide),
  };
  await writeState(ctx.target, RUN_STATE.job, job);
  return job;
}
