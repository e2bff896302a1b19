// The whole PROTOCOL "Alignment quality" measurement over a set of frames: threshold segmentation, alignment
// onto the first frame, union mask of the aligned object masks, then the silhouette figures. Shared by
// bench/align-quality.ts (all 320 screws) and the integration test (the CI subset).
import { estimateAlignment, prepareReference, warpImage, warpMask, disposeReference, type AlignmentResult } from '../align/index.ts';
import { SegmentationError } from '../../ground/errors.ts';
import { segmentThreshold } from '../segment/threshold.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { applyMask, UnionMaskBuilder } from '../union-mask.ts';
import { containmentOutside, frameSilhouette, silhouetteIou, silhouetteThreshold, summarise, unionFraction } from './silhouette.ts';

export interface FrameSource {
  /** frame names in order; the first is the reference */
  names: readonly string[];
  load(name: string): Promise<Image>;
}

export interface QualityOptions {
  /** union margins to measure (pixels); the first is the primary one */
  marginsPx: readonly number[];
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface FrameQuality {
  name: string;
  ok: boolean;
  reason?: string;
  score: number;
  /** the aligner's own IoU of its (segmentation) masks */
  maskIou: number;
  scale: number;
  angleDeg: number;
  /** per margin: PROTOCOL silhouette IoU with the reference (blanked frames) and containment (unblanked) */
  perMargin: { marginPx: number; silhouetteIou: number; containment: number }[];
  segmentSeconds: number;
  alignSeconds: number;
  /** which alignment stages produced the matrix, what the AKAZE stage did, and the time per stage */
  method?: string;
  features?: AlignmentResult['features'];
  profile?: AlignmentResult['profile'];
}

export interface MarginSummary {
  marginPx: number;
  threshold: number;
  unionFraction: number;
  iou: { mean: number; min: number; p5: number };
  framesBelowHalf: number;
  maxContainment: number;
  framesContainmentAbove: number;
}

export interface QualityReport {
  total: number;
  aligned: number;
  frames: FrameQuality[];
  margins: MarginSummary[];
  /** segmentation + alignment wall time per image */
  secondsPerImage: number;
  segmentSecondsPerImage: number;
  alignSecondsPerImage: number;
}

/** PROTOCOL's containment limit. */
export const CONTAINMENT_LIMIT = 0.005;

export async function measureAlignmentQuality(source: FrameSource, opts: QualityOptions): Promise<QualityReport> {
  const { names } = source;
  if (names.length === 0) throw new RangeError('no frames to measure');
  const progress = opts.onProgress ?? (() => {});
  const reference = await source.load(names[0]);
  const referenceMask = await segmentThreshold(reference, { name: names[0] });
  const model = await prepareReference(reference, referenceMask);
  const builders = opts.marginsPx.map(() => new UnionMaskBuilder());
  const alignments: (AlignmentResult | null)[] = [];
  const frames: FrameQuality[] = [];

  // Pass 1: segment, align, OR the aligned masks.
  try {
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const image = i === 0 ? reference : await source.load(name);
      const t0 = performance.now();
      let mask: Mask;
      try {
        mask = await segmentThreshold(image, { name });
      } catch (error) {
        if (!(error instanceof SegmentationError)) throw error;
        alignments.push(null);
        frames.push(failedFrame(name, error.message, (performance.now() - t0) / 1000));
        progress('align', i + 1, names.length);
        continue;
      }
      const t1 = performance.now();
      const result = await estimateAlignment(model, image, mask, { name });
      const t2 = performance.now();
      alignments.push(result);
      if (result.ok) {
        const aligned = await warpMask(mask, result.matrix, reference.width, reference.height);
        for (const b of builders) b.add(aligned);
      }
      frames.push({
        name,
        ok: result.ok,
        ...(result.reason ? { reason: result.reason } : {}),
        score: result.score,
        maskIou: result.silhouetteIou,
        scale: result.scale,
        angleDeg: result.angleDeg,
        perMargin: [],
        segmentSeconds: (t1 - t0) / 1000,
        alignSeconds: (t2 - t1) / 1000,
        method: result.method,
        ...(result.features ? { features: result.features } : {}),
        ...(result.profile ? { profile: result.profile } : {}),
      });
      progress('align', i + 1, names.length);
    }
  } finally {
    disposeReference(model);
  }
  if (builders[0].size === 0) throw new RangeError('no frame could be aligned: there is no union mask to measure');

  // Pass 2: PROTOCOL silhouettes under each margin's union.
  const unions = opts.marginsPx.map((m, k) => builders[k].finish(m));
  const references = await Promise.all(
    unions.map(async (union) => {
      const blanked = applyMask(reference, union);
      const threshold = silhouetteThreshold(blanked);
      return { threshold, silhouette: await frameSilhouette(blanked, threshold) };
    }),
  );
  for (let i = 0; i < names.length; i++) {
    const alignment = alignments[i];
    if (alignment?.ok) {
      const image = i === 0 ? reference : await source.load(names[i]);
      const aligned = await warpImage(image, alignment.matrix as Affine, reference.width, reference.height);
      for (let k = 0; k < unions.length; k++) {
        const { threshold, silhouette } = references[k];
        const unblanked = await frameSilhouette(aligned, threshold);
        const blanked = await frameSilhouette(applyMask(aligned, unions[k]), threshold);
        frames[i].perMargin.push({
          marginPx: opts.marginsPx[k],
          silhouetteIou: silhouetteIou(blanked, silhouette),
          containment: containmentOutside(unblanked, unions[k]),
        });
      }
    }
    progress('measure', i + 1, names.length);
  }

  const alignedFrames = frames.filter((f) => f.ok);
  const margins = opts.marginsPx.map((marginPx, k): MarginSummary => {
    const ious = alignedFrames.map((f) => f.perMargin[k].silhouetteIou);
    const containments = alignedFrames.map((f) => f.perMargin[k].containment);
    const s = summarise(ious);
    return {
      marginPx,
      threshold: references[k].threshold,
      unionFraction: unionFraction(unions[k]),
      iou: { mean: s.mean, min: s.min, p5: s.p5 },
      framesBelowHalf: ious.filter((v) => v < 0.5).length,
      maxContainment: Math.max(...containments),
      framesContainmentAbove: containments.filter((c) => c >= CONTAINMENT_LIMIT).length,
    };
  });
  const segment = frames.reduce((s, f) => s + f.segmentSeconds, 0) / frames.length;
  const align = frames.reduce((s, f) => s + f.alignSeconds, 0) / frames.length;
  return {
    total: names.length,
    aligned: alignedFrames.length,
    frames,
    margins,
    secondsPerImage: segment + align,
    segmentSecondsPerImage: segment,
    alignSecondsPerImage: align,
  };
}

function failedFrame(name: string, reason: string, segmentSeconds: number): FrameQuality {
  return { name, ok: false, reason, score: 0, maskIou: 0, scale: NaN, angleDeg: NaN, perMargin: [], segmentSeconds, alignSeconds: 0 };
}
