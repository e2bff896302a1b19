// Transform: apply a compressed dataset's geometry (same reference, same union mask) to new images (test or
// inference) and to their ground-truth masks, so a model trained on restored frames sees what it was trained on.
import type { Storage } from '../ground/storage.ts';
import { disposeReference, estimateAlignment, prepareReference, warpImage, warpMask, type ReferenceModel } from './align/index.ts';
import { loadManifest, loadReference, loadReferenceMask, loadUnionMask } from './artifacts.ts';
import { openSegmenter } from './compress/segmenter.ts';
import type { Manifest } from './manifest.ts';
import type { Segmenter } from './segment/index.ts';
import type { Affine, Image, Mask } from './types.ts';
import { estimateTranslation } from './align/translation.ts';
import { applyMask } from './union-mask.ts';
import { decodeImage } from './image-io.ts';
import { toStoredImage, toStoredMask } from './frame-scale.ts';
import { poseModelOf, type PoseModel } from './pose/model.ts';
import { poseReport, type PoseReport } from './pose/summary.ts';

export interface TransformedImage {
  image: Image;
  /** source -> reference frame; null when the dataset was not aligned */
  matrix: Affine | null;
  alignment: { score: number; silhouetteIou: number; ncc: number; method: string; ok: boolean; reason?: string } | null;
  /** the image's pose against the training poses (core/pose); null when the dataset was not aligned */
  pose: PoseReport | null;
  warnings: string[];
}

export interface Transformer {
  manifest: Manifest;
  /** the training poses a test pose is compared with, and where they came from */
  poseModel: PoseModel;
  transformImage(bytes: Buffer, name: string): Promise<TransformedImage>;
  /** Ground truth goes through the same warp (nearest neighbour); it is not blanked, so no defect pixel is hidden. */
  transformMask(mask: Mask, matrix: Affine | null): Promise<Mask>;
  close(): Promise<void>;
}

export async function openTransformer(store: Storage, opts: { modelPath?: string } = {}): Promise<Transformer> {
  const manifest = await loadManifest(store);
  const reference = await loadReference(store, manifest);
  const unionMask = await loadUnionMask(store, manifest);
  const { mode } = manifest.frame;
  // alignment lands in the reference's geometry; frames are stored at frame.width x frame.height (smaller with --max-side)
  const stored = { width: manifest.frame.width, height: manifest.frame.height };
  const width = manifest.frame.scale?.referenceWidth ?? stored.width;
  const height = manifest.frame.scale?.referenceHeight ?? stored.height;
  let segmenter: Segmenter | undefined;
  let refModel: ReferenceModel | undefined;
  let poseModel: PoseModel = { source: 'none', summary: null, reason: 'the dataset was not aligned' };
  const translationOnly = manifest.decisions?.alignment.mode === 'translation';
  let refMask: Mask | undefined;
  if (manifest.alignment.enabled && manifest.alignment.segmenter) {
    segmenter = await openSegmenter(manifest.alignment.segmenter, opts.modelPath);
    const referenceMask = await loadReferenceMask(store, manifest);
    refMask = referenceMask;
    if (!translationOnly) refModel = await prepareReference(reference, referenceMask);
    poseModel = poseModelOf(manifest, referenceMask);
  }
  return {
    manifest,
    poseModel,
    async transformImage(bytes, name) {
      const decoded = await decodeImage(bytes, name, { mode });
      const warnings = [...decoded.warnings];
      let image = decoded.image;
      let matrix: Affine | null = null;
      let alignment: TransformedImage['alignment'] = null;
      let pose: PoseReport | null = null;
      if (segmenter && refMask && translationOnly) {
        // the dataset was aligned by translation only (decide/alignment-mode.ts): the same for its test images
        const objectMask = await segmenter.segment(image, name);
        const r = await estimateTranslation(refMask, objectMask);
        matrix = r?.matrix ?? [1, 0, 0, 0, 1, 0];
        alignment = { score: r?.silhouetteIou ?? 0, silhouetteIou: r?.silhouetteIou ?? 0, ncc: 0, method: 'translation', ok: r !== null };
        if (!r) warnings.push(`${name}: no object found for the translation; kept unmoved, flagged`);
        image = await warpImage(image, matrix, width, height);
      } else if (segmenter && refModel) {
        const objectMask = await segmenter.segment(image, name);
        const r = await estimateAlignment(refModel, image, objectMask, { name });
        matrix = r.matrix;
        alignment = { score: r.score, silhouetteIou: r.silhouetteIou, ncc: r.ncc, method: r.method, ok: r.ok, reason: r.reason };
        // A test image must still be scored, so a poor alignment is kept and flagged rather than dropped:
        // a defective part may legitimately not match the reference.
        if (!r.ok) warnings.push(`${name}: low alignment score ${r.score.toFixed(3)} (${r.reason ?? 'poor match'}); kept, flagged`);
        if (poseModel.summary) {
          pose = poseReport(poseModel.summary, matrix);
          if (pose.flagged) {
            warnings.push(
              `${name}: pose far from the training poses (distance ${pose.distance.toFixed(2)} > ${pose.threshold.toFixed(2)}; ` +
                `shift ${pose.shiftPct.toFixed(1)}% of the length, turn ${pose.turnDeg.toFixed(1)} deg); flagged`,
            );
          }
        }
        image = await warpImage(image, matrix, width, height);
      } else if (image.width !== width || image.height !== height) {
        // as the training set: placed top-left in the frame, padded or cropped (decisions.frameSize)
        matrix = [1, 0, 0, 0, 1, 0];
        image = await warpImage(image, matrix, width, height);
        warnings.push(`${name}: ${decoded.image.width}x${decoded.image.height} placed in the ${width}x${height} frame (padded/cropped)`);
      }
      image = await toStoredImage(image, stored);
      if (unionMask) image = applyMask(image, unionMask);
      return { image, matrix, alignment, pose, warnings };
    },
    async transformMask(mask, matrix) {
      return toStoredMask(matrix ? await warpMask(mask, matrix, width, height) : mask, stored);
    },
    async close() {
      if (refModel) disposeReference(refModel);
      await segmenter?.dispose?.();
    },
  };
}
