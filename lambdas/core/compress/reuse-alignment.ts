// --reuse-alignment: one alignment, many encodings. The transforms, the union mask and the reference of an earlier
// output of the SAME images stand in for stages 1-3 (reference, align + mask, union), so only the encoding runs
// again (the compact reference is encoded again from the reference image and the earlier object mask, in this
// version's form), and the earlier run's judgement of its alignment (misalignment gate, outliers, training poses) is
// kept as it was. What may differ from the earlier run: crf / lossless, preset, x265 parameters, rate-control frame rate,
// threads, segment frames, frame order, crop, a smaller max side when the earlier frames are at the reference's
// size (the union mask is then reduced, a stored pixel inside when any of its area is), and --no-mask when the earlier
// output is aligned and masked (its transforms do not depend on the mask; the union mask is left out). What may not
// (it decided the transforms and the union mask): the images themselves and REUSE_FIXED_OPTIONS below. Each of those
// the user states is checked against the earlier output and refused with one sentence when it differs.
import type { Storage } from '../../ground/storage.ts';
import { warpImage } from '../align/index.ts';
import { loadManifest, readChecked } from '../artifacts.ts';
import type { DatasetListing } from '../dataset.ts';
import { UsageError } from '../../ground/errors.ts';
import { sha256 } from '../hash.ts';
import { storedSize, toStoredImage, toStoredMaskCovering } from '../frame-scale.ts';
import { decodeImage, decodeMask, encodePng } from '../image-io.ts';
import { packMask } from '../mask-pack.ts';
import { storedTransform, type Manifest } from '../manifest.ts';
import { KEYS, referenceKey, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';
import type { CompressOptions } from './options.ts';
import { unionResultOf } from './union.ts';
import { encodeCompactReference } from '../compact-reference.ts';
import { RUN_STATE, writeState } from '../run-state/index.ts';
import { MASK_NOT_ASKED } from '../decide/index.ts';

export interface ReusedAlignment {
  job: JobState;
  drafts: FrameDraft[];
  union: UnionResult | null;
}

/** The options an earlier output fixes (alignmentMismatch checks each); every other option may differ. */
export const REUSE_FIXED_OPTIONS = ['align', 'mask', 'reference', 'segmenter', 'marginPx', 'onAlignFailure', 'maxSide'] as const satisfies readonly (keyof CompressOptions)[];

/** The first of REUSE_FIXED_OPTIONS the user stated differently from the earlier output, as one sentence (or undefined). */
export function alignmentMismatch(m: Manifest, o: CompressOptions): string | undefined {
  const refWidth = m.frame.scale?.referenceWidth ?? m.frame.width;
  const refHeight = m.frame.scale?.referenceHeight ?? m.frame.height;
  const checks: Record<(typeof REUSE_FIXED_OPTIONS)[number], [boolean, string]> = {
    align: [o.align === m.alignment.enabled, `it was ${m.alignment.enabled ? 'aligned' : 'made with --no-align'}`],
    // --no-mask re-encodes an aligned, masked output: the transforms it reuses do not depend on the mask
    mask: [o.mask === (m.mask !== null) || (!o.mask && m.alignment.enabled), m.mask ? 'it was masked without alignment' : 'it was made with --no-mask'],
    reference: [o.reference === undefined || o.reference === m.reference.name, `its reference is ${m.reference.name}`],
    segmenter: [o.segmenter === 'auto' || o.segmenter === m.alignment.segmenter?.kind, `its segmenter was ${m.alignment.segmenter?.kind ?? 'none'}`],
    marginPx: [!m.mask || !o.mask || Math.ceil(o.marginPx * (m.frame.scale?.factor ?? 1)) === m.mask.marginPx, `its union margin was ${m.mask?.marginPx} px`],
    onAlignFailure: [o.onAlignFailure === m.alignment.onFailure, `its failure policy was ${m.alignment.onFailure}`],
    maxSide: [storedSize(refWidth, refHeight, o.maxSide).width === m.frame.width || (!m.frame.scale && o.maxSide !== undefined), `its frames are ${m.frame.width}x${m.frame.height}`],
  };
  const bad = REUSE_FIXED_OPTIONS.find((k) => !checks[k][0]);
  return bad ? `--reuse-alignment: the earlier output cannot be re-encoded with this ${bad} (${checks[bad][1]}); drop the option or match it` : undefined;
}

/**
 * Stages 1-3 from an earlier output: its manifest (checked), reference, masks, transforms; each kept image is warped
 * again with its stored transform, exactly as the align stage did. `prev` is the earlier output (opened by the
 * caller from --reuse-alignment); `datasetId` is the id of the images being read.
 */
export async function reuseAlignmentStages(
  ctx: StageContext,
  prev: Storage,
  listing: DatasetListing,
  sourceLayout: JobState['sourceLayout'],
  options: CompressOptions,
  datasetId: string,
): Promise<ReusedAlignment> {
  const m = await loadManifest(prev);
  if (m.dataset.id !== datasetId) {
    throw new UsageError(`--reuse-alignment ${prev.description}: it holds another dataset (id ${m.dataset.id.slice(0, 12)}, these images are ${datasetId.slice(0, 12)})`);
  }
  const mismatch = alignmentMismatch(m, options);
  if (mismatch) throw new UsageError(mismatch);

  const width = m.frame.scale?.referenceWidth ?? m.frame.width;
  const height = m.frame.scale?.referenceHeight ?? m.frame.height;
  const refIndex = listing.entries.findIndex((e) => e.name === m.reference.name);
  if (refIndex < 0) throw new UsageError(`--reuse-alignment: the reference ${m.reference.name} is not among the input images`);
  const job: JobState = {
    version: 1,
    options,
    sourceLayout,
    entries: listing.entries,
    skipped: listing.skipped,
    reference: { index: refIndex, name: m.reference.name },
    mode: m.frame.mode,
    width,
    height,
    segmenter: m.alignment.segmenter,
    // the earlier run's warnings (its images' too); the drafts below carry none of their own
    warnings: m.warnings,
    // the earlier run's decisions (alignment mode, misalignment metric): without them transform would align test
    // images by similarity while these frames were moved by the decided mode (e.g. translation)
    ...(m.decisions ? { decisions: options.mask ? m.decisions : { ...m.decisions, mask: MASK_NOT_ASKED } } : {}),
    // the earlier run's gate, outlier flags (in its frames' records and warnings) and training poses, as they were
    judged: m.pose ? { pose: m.pose } : {},
    ...(m.reference.layout ? { referenceLayout: m.reference.layout } : {}),
    stored: m.frame.scale ? { width: m.frame.width, height: m.frame.height, factor: m.frame.scale.factor } : storedSize(width, height, options.maxSide),
  };
  if (referenceKey(job) !== m.reference.file) {
    throw new UsageError(`--reuse-alignment: the earlier output keeps its reference as ${m.reference.file}, which this adreel does not expect`);
  }
  const prevReference = await readChecked(prev, m.reference.file, m.reference.sha256);
  if (m.reference.maskFile && m.reference.maskSha256) {
    const maskPng = await readChecked(prev, m.reference.maskFile, m.reference.maskSha256);
    // in this version's form (packed), whatever form the earlier output kept it in
    await ctx.target.put(KEYS.referenceMask, packMask(await decodeMask(maskPng, m.reference.maskFile)));
    if (m.reference.layout) {
      // the compact reference as this version stores it, from the reference image and the earlier object mask (what
      // compress would store: byte-identical to the earlier file when the earlier output was written by this version)
      const { image } = await decodeImage(await ctx.source.get(listing.entries[refIndex].key), m.reference.name);
      const compact = await encodeCompactReference(image, await decodeMask(maskPng, m.reference.maskFile));
      job.referenceLayout = compact.layout;
      await ctx.target.put(referenceKey(job), compact.file);
    } else await ctx.target.put(referenceKey(job), prevReference);
  } else await ctx.target.put(referenceKey(job), prevReference);
  let union: UnionResult | null = null;
  if (m.mask && options.mask) {
    const earlier = await decodeMask(await readChecked(prev, m.mask.file, m.mask.sha256), m.mask.file);
    const stored = job.stored!;
    const same = stored.width === m.frame.width && stored.height === m.frame.height;
    const mask = same ? earlier : await toStoredMaskCovering(earlier, stored);
    const packed = packMask(mask);
    await ctx.target.put(KEYS.mask, packed);
    union = unionResultOf(mask, packed, same ? m.mask.marginPx : Math.ceil(m.mask.marginPx * stored.factor), options.crop);
  }
  await writeState(ctx.target, RUN_STATE.job, job);

  const frames = new Map(m.frames.map((f) => [f.name, f]));
  const dropped = new Map(m.dropped.map((d) => [d.name, d.reason]));
  const drafts: FrameDraft[] = [];
  for (let i = 0; i < job.entries.length; i++) {
    const entry = job.entries[i];
    const record = frames.get(entry.name);
    if (!record) {
      const reason = dropped.get(entry.name);
      if (reason === undefined) throw new UsageError(`--reuse-alignment: ${entry.name} is neither a frame nor a dropped image of the earlier output`);
      // only the name and the reason are recorded for a dropped image; its source facts come from this read
      const bytes = await ctx.source.get(entry.key);
      const { info } = await decodeImage(bytes, entry.name, { mode: job.mode });
      drafts.push({ entryIndex: i, name: entry.name, stem: entry.stem, source: { ...info, bytes: bytes.length, sha256: sha256(bytes) }, transform: null, alignment: null, dropped: reason, warnings: [] });
      continue;
    }
    const sourceBytes = await ctx.source.get(entry.key);
    const { image } = await decodeImage(sourceBytes, entry.name, { mode: job.mode });
    // the align stage's own steps: warp into the reference's geometry (an unaligned kept image is stored as is), then the stored size
    // at the manifest's precision (what a v3 output stores; an earlier version's transform moves by at most 0.01 px)
    const transform = record.transform && storedTransform(record.transform);
    const aligned = transform && m.alignment.enabled && record.alignment?.method !== 'unaligned' ? await warpImage(image, transform, width, height) : image;
    await ctx.target.put(RUN_STATE.aligned(i), await encodePng(await toStoredImage(aligned, job.stored!)));
    drafts.push({ entryIndex: i, name: entry.name, stem: entry.stem, source: { ...record.source, bytes: sourceBytes.length, sha256: sha256(sourceBytes) }, transform, alignment: record.alignment, warnings: [] });
    ctx.onProgress?.('re-warp', drafts.length, job.entries.length);
  }
  return { job, drafts, union };
}
