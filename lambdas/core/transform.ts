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
import { maskPose, type MaskPose } from './align/coarse-pose.ts';
import { momentsMatrix } from './pose/moments.ts';
import { applyMask } from './union-mask.ts';
import { decodeImage } from './image-io.ts';
import { toStoredImage, toStoredMask } from './frame-scale.ts';
import { manifestAlignMode, poseModelOf, type PoseModel } from './pose/model.ts';
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

/** As the training set: placed top-left in the frame, padded or cropped (decisions.frameSize). */
async function placeInFrame(image: Image, name: string, warnings: string[], width: number, height: number): Promise<{ image: Image; matrix: Affine }> {
  const matrix: Affine = [1, 0, 0, 0, 1, 0];
  warnings.push(`${name}: ${image.width}x${image.height} placed in the ${width}x${height} frame (padded/cropped)`);
  return { image: await warpImage(image, matrix, width, height), matrix };
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
  let poseModel: PoseModel;
  const alignMode = manifestAlignMode(manifest);
  let refMask: Mask | undefined;
  let refPose: MaskPose | undefined;
  if (manifest.alignment.segmenter && (manifest.alignment.enabled || manifest.reference.maskFile)) {
    const referenceMask = await loadReferenceMask(store, manifest);
    poseModel = poseModelOf(manifest, referenceMask);
    // an unaligned dataset's test images are segmented only to measure their position for the pose check
    if (manifest.alignment.enabled || poseModel.summary) {
      segmenter = await openSegmenter(manifest.alignment.segmenter, opts.modelPath);
      refMask = referenceMask;
      // similarity aligns with it; none measures poses with it (core/pose), as compress did, moving nothing
      const measures = alignMode === 'similarity' || poseModel.summary?.model === 'similarity';
      if (measures && reference.width === referenceMask.width && reference.height === referenceMask.height) refModel = await prepareReference(reference, referenceMask);
    }
  } else {
    poseModel = poseModelOf(manifest, null);
  }
  /** The pose against the training poses, with a warning when it is flagged. */
  const poseOf = (m: Affine, name: string, warnings: string[]): PoseReport | null => {
    if (!poseModel.summary) return null;
    const pose = poseReport(poseModel.summary, m);
    if (pose.flagged) {
      const turn = pose.z.angleDeg === null ? '' : `, turn ${pose.turnDeg.toFixed(1)} deg`;
      warnings.push(
        `${name}: pose far from the training poses (distance ${pose.distance.toFixed(2)} > ${pose.threshold.toFixed(2)}; ` +
          `shift ${pose.shiftPct.toFixed(1)}% of the length${turn}); flagged`,
      );
    }
    return pose;
  };
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
      if (segmenter && refMask && alignMode !== 'similarity') {
        // translation (decide/alignment-mode.ts): the object's centroid onto the reference's, as for the training
        // set; none: the image is not moved, the object is segmented for the pose check
        const objectMask = await segmenter.segment(image, name);
        const r = await estimateTranslation(refMask, objectMask);
        // measured as compress measured the training poses: the aligner (none), the mask's moments (translation),
        // or (older translation summaries) the translation
        const model = poseModel.summary?.model;
        let poseMatrix: Affine | null | undefined = r?.matrix;
        if (model === 'moments') poseMatrix = momentsMatrix((refPose ??= maskPose(refMask)), maskPose(objectMask));
        else if (model === 'similarity' && refModel) {
          const a = await estimateAlignment(refModel, image, objectMask, { name });
          poseMatrix = a.method === 'none' ? null : a.matrix;
        }
        if (r && poseMatrix) pose = poseOf(poseMatrix, name, warnings);
        if (alignMode === 'translation') {
          matrix = r?.matrix ?? [1, 0, 0, 0, 1, 0];
          alignment = { score: r?.silhouetteIou ?? 0, silhouetteIou: r?.silhouetteIou ?? 0, ncc: 0, method: 'translation', ok: r !== null };
          if (!r) warnings.push(`${name}: no object found for the translation; kept unmoved, flagged`);
          image = await warpImage(image, matrix, width, height);
        } else {
          if (!r) warnings.push(`${name}: no object found; no pose`);
          if (image.width !== width || image.height !== height) ({ image, matrix } = await placeInFrame(image, name, warnings, width, height));
        }
      } else if (segmenter && refModel) {
        const objectMask = await segmenter.segment(image, name);
        const r = await estimateAlignment(refModel, image, objectMask, { name });
        matrix = r.matrix;
        alignment = { score: r.score, silhouetteIou: r.silhouetteIou, ncc: r.ncc, method: r.method, ok: r.ok, reason: r.reason };
        // A test image must still be scored, so a poor alignment is kept and flagged rather than dropped:
        // a defective part may legitimately not match the reference.
        if (!r.ok) warnings.push(`${name}: low alignment score ${r.score.toFixed(3)} (${r.reason ?? 'poor match'}); kept, flagged`);
        pose = poseOf(matrix, name, warnings);
        image = await warpImage(image, matrix, width, height);
      } else if (image.width !== width || image.height !== height) {
        ({ image, matrix } = await placeInFrame(image, name, warnings, width, height));
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
