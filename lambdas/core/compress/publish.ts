// Stage 5: write the manifest. It is written last: an output without a valid manifest is never complete.
import { createHash } from 'node:crypto';
import { judgeMisalignment, type Decisions } from '../decide/index.ts';
import { AlignmentError, EncoderError } from '../../ground/errors.ts';
import { sha256 } from '../hash.ts';
import { decodeMask } from '../image-io.ts';
import { poseModelKind } from '../pose/model.ts';
import { summarizePoses } from '../pose/summary.ts';
import { alignModeOf } from './align-mask.ts';
import { MANIFEST_SCHEMA, MANIFEST_VERSION, parseManifestFile, segmentFramesSha256, serializeManifest, storedAlignment, storedEvidence, type Manifest } from '../manifest.ts';
import { TOOL_VERSION } from '../version.ts';
import { REEL_FPS } from '../reel/encode.ts';
import type { EncodedReel } from './encode.ts';
import { KEYS, referenceKey, storedSizeOf, type FrameDraft, type JobState, type StageContext, type UnionResult } from './job.ts';

/** The dataset's identity: its file names and contents, independent of compress options. */
export function datasetId(files: { name: string; sha256: string }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) h.update(`${f.name}\t${f.sha256}\n`);
  return h.digest('hex');
}

export async function publishManifestStage(
  ctx: StageContext,
  job: JobState,
  drafts: FrameDraft[],
  union: UnionResult | null,
  reel: EncodedReel,
): Promise<Manifest> {
  const judged = job.decisions && !job.judged ? flagOutliers(job, drafts.filter((d) => !d.dropped)) : undefined;
  const decided = judged ? judged.decisions : job.decisions;
  const decisions = decided && decided.alignment.evidence !== undefined ? { ...decided, alignment: { ...decided.alignment, evidence: storedEvidence(decided.alignment.evidence) } } : decided;
  if (judged) drafts = drafts.map((d) => judged.flagged.get(d.entryIndex) ?? d);
  const kept = drafts.filter((d) => !d.dropped);
  const inReelOrder = reelOrder(kept, reel);
  const refPng = await ctx.target.get(referenceKey(job));
  const refMask = job.segmenter ? await ctx.target.get(KEYS.referenceMask) : undefined;
  const { options } = job;
  const stored = storedSizeOf(job);
  const manifest: Manifest = {
    schema: MANIFEST_SCHEMA,
    version: MANIFEST_VERSION,
    createdAt: new Date().toISOString(),
    tool: { name: 'adreel', version: TOOL_VERSION },
    dataset: {
      id: datasetId(drafts.map((d) => ({ name: d.name, sha256: d.source.sha256 }))),
      inputBytes: drafts.reduce((s, d) => s + d.source.bytes, 0),
      frameCount: kept.length,
      sourceLayout: job.sourceLayout,
    },
    frame: {
      width: stored.width,
      height: stored.height,
      mode: job.mode,
      crop: union?.crop ?? null,
      ...(stored.factor < 1 ? { scale: { factor: stored.factor, referenceWidth: job.width, referenceHeight: job.height } } : {}),
    },
    reference: {
      name: job.reference.name,
      file: referenceKey(job),
      sha256: sha256(refPng),
      maskFile: refMask ? KEYS.referenceMask : null,
      maskSha256: refMask ? sha256(refMask) : null,
      ...(job.referenceLayout ? { layout: job.referenceLayout } : {}),
    },
    mask: union
      ? { file: KEYS.mask, sha256: union.sha256, marginPx: union.marginPx, unionFraction: union.unionFraction }
      : null,
    alignment: {
      enabled: options.align,
      segmenter: job.segmenter,
      onFailure: options.onAlignFailure,
    },
    codec: {
      encoder: 'libx265',
      ffmpeg: reel.ffmpeg,
      crf: options.crf,
      lossless: options.lossless,
      preset: options.preset,
      x265Params: options.x265Params,
      pixFmt: reel.pixFmt,
      container: 'mp4',
      frameOrder: options.frameOrder ?? 'name',
      rateFps: options.rateFps ?? REEL_FPS,
      ...(reel.effective ? { effective: reel.effective } : {}),
    },
    // one record per segment (frame range, bytes, sha256); an unsegmented reel is the one segment reel.mp4
    // and the digest of its decoded frames, which restore and verify recompute from what they decode
    reels: reel.segments.map((s) => ({
      file: s.file,
      bytes: s.bytes,
      sha256: s.sha256,
      firstFrame: s.firstFrame,
      frameCount: s.frameCount,
      framesSha256: segmentFramesSha256(s.decodedSha256),
    })),
    frames: inReelOrder.map((d, i) => {
      const { sha256: _inDatasetId, bytes: _inInputBytes, ...source } = d.source;
      return { index: i, name: d.name, stem: d.stem, source, transform: d.transform, alignment: d.alignment && storedAlignment(d.alignment) };
    }),
    dropped: drafts.filter((d) => d.dropped).map((d) => ({ name: d.name, reason: d.dropped as string })),
    warnings: [...job.warnings, ...drafts.flatMap((d) => d.warnings)],
    ...(decisions ? { decisions } : {}),
    ...(job.quality ? { quality: job.quality } : {}),
  };
  if (refMask) {
    // how a pose is measured follows the alignment mode; translation and none frames carry it aside (moments)
    const mode = alignModeOf(job);
    const frames = mode !== 'similarity' ? inReelOrder.map((d) => ({ transform: d.poseMatrix ?? null, alignment: d.alignment })) : manifest.frames;
    const pose = job.judged ? job.judged.pose : summarizePoses(frames, await decodeMask(refMask, KEYS.referenceMask), { model: poseModelKind(mode) });
    if (pose) manifest.pose = pose;
  }
  // Validated and sealed with its digest before writing, so a manifest that would not parse is never published.
  const bytes = serializeManifest(manifest);
  await ctx.target.put(KEYS.manifest, bytes);
  return parseManifestFile(bytes, 'binary', KEYS.manifest);
}

/**
 * The misalignment gate over the kept frames' figures (decide/misalignment.ts): outliers are flagged on their
 * record and in a warning, or stop the run in strict mode (--on-align-failure fail).
 */
function flagOutliers(job: JobState, kept: FrameDraft[]): { decisions: Decisions; flagged: Map<number, FrameDraft> } {
  const decisions = job.decisions!;
  const metric = decisions.misalignment.metric;
  const flagged = new Map<number, FrameDraft>();
  if (metric === 'none') return { decisions, flagged };
  const judged = kept.filter((d) => d.alignment && d.entryIndex !== job.reference.index);
  const value = (d: FrameDraft) => (metric === 'silhouetteIou' ? d.alignment!.silhouetteIou : d.alignment!.ncc);
  const { gate, outliers } = judgeMisalignment(judged.map((d) => ({ name: d.name, value: value(d) })));
  const byName = new Map(judged.map((d) => [d.name, d]));
  const label = metric === 'silhouetteIou' ? 'silhouette IoU' : 'NCC';
  for (const o of outliers) {
    const d = byName.get(o.name)!;
    const text = `${o.name}: an outlier of its dataset: ${label} ${o.value.toFixed(3)} is ${(-o.margin).toFixed(3)} below the gate ${gate!.threshold.toFixed(3)} (median ${gate!.median.toFixed(3)})`;
    if (job.options.onAlignFailure === 'fail') throw new AlignmentError(o.name, `${text.slice(o.name.length + 2)}; strict mode (--on-align-failure fail)`, d.alignment!.score);
    // copies: the drafts are the caller's, left as they were
    flagged.set(d.entryIndex, {
      ...d,
      alignment: { ...d.alignment!, outlier: { value: o.value, margin: o.margin } },
      warnings: [...d.warnings, `${text}; kept with its best alignment, flagged`],
    });
  }
  return { decisions: { ...decisions, misalignment: { ...decisions.misalignment, gate, outliers } }, flagged };
}

/** The kept frames in the order the reel holds them; refuses a reel that does not hold each kept frame exactly once. */
function reelOrder(kept: FrameDraft[], reel: EncodedReel): FrameDraft[] {
  const byEntry = new Map(kept.map((d) => [d.entryIndex, d]));
  const seen = new Set<number>();
  const out = reel.entryIndices.map((e, i) => {
    const d = byEntry.get(e);
    if (!d || seen.has(e)) throw new EncoderError(`reel frame ${i} is image #${e}, which is ${d ? 'already in the reel' : 'not a kept image'}`, KEYS.reel);
    seen.add(e);
    return d;
  });
  if (out.length !== kept.length) throw new EncoderError(`the reel holds ${out.length} frames but ${kept.length} images were kept`, KEYS.reel);
  return out;
}
