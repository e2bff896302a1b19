// The decisions of one compress run, taken on a sample of its own images (decide/*.ts hold each rule):
// 1. is there an object at all (object-presence.ts)? A texture gets neither mask nor alignment;
// 2. which segmenter (segment/auto.ts's stated test, or a model); when none applies and the images are already
//    registered (registration.ts), they are stored as they are, unmasked, instead of refusing the dataset;
// 3. which alignment (alignment-mode.ts): none, translation or similarity;
// 4. how an image is judged misaligned (misalignment.ts): a robust low outlier of its dataset, gated at the end.
import { SegmentationError } from '../../ground/errors.ts';
import { chooseSegmenter, type ChosenSegmenter, type SampleImage } from '../segment/index.ts';
import type { Image, Mask } from '../types.ts';
import { decideAlignmentMode, type AlignModeDecision, type SampleWithMask } from './alignment-mode.ts';
import { misalignmentRule } from './misalignment.ts';
import { objectPresence } from './object-presence.ts';
import { checkRegistration, isRegistered } from './registration.ts';
import type { Decisions } from './schema.ts';

export interface DecideOptions {
  segmenter: 'auto' | 'threshold' | 'model';
  modelPath?: string;
  /** false: --no-align */
  align: boolean;
  /** false: --no-mask */
  mask: boolean;
}

export interface DatasetDecision {
  /** the segmenter to use (the caller disposes of it), null when none is used */
  chosen: ChosenSegmenter | null;
  referenceMask: Mask | null;
  decisions: Decisions;
}

function frameSize(reference: Image): Decisions['frameSize'] {
  return {
    width: reference.width,
    height: reference.height,
    reason: "the reference's size; an image of another size is warped into it when aligned, else placed top-left, padded or cropped, and restored to its own size",
  };
}

/** The mask decision of a dataset with an object, masking not asked for (also --reuse-alignment's --no-mask re-encode). */
export const MASK_NOT_ASKED = { enabled: false, reason: '--no-mask' } as const;

export async function decideDataset(reference: SampleImage, others: SampleImage[], options: DecideOptions): Promise<DatasetDecision> {
  const none = (segmenterReason: string, alignReason: string, maskReason: string, metric: 'ncc' | 'none'): DatasetDecision => ({
    chosen: null,
    referenceMask: null,
    decisions: {
      segmenter: { kind: 'none', reason: segmenterReason },
      alignment: { mode: 'none', reason: alignReason },
      mask: { enabled: false, reason: maskReason },
      frameSize: frameSize(reference.image),
      misalignment: misalignmentRule(metric),
    },
  });
  if (!options.align && !options.mask) return none('not needed (--no-align --no-mask)', '--no-align', '--no-mask', 'none');

  const sample = [reference, ...others];
  const presence = sample.map((s) => objectPresence(s.name, s.image));
  if (options.segmenter === 'auto' && presence.every((p) => !p.object)) {
    const z = Math.max(...presence.map((p) => p.maxZ)).toFixed(2);
    const why = `no object: in all ${sample.length} sampled images the frame's centre is no outlier of its border tiles (largest |z| ${z} <= 3.5): a texture`;
    return none(why, 'none: no object to align', 'none: no object to mask', 'none');
  }

  let chosen: ChosenSegmenter;
  try {
    chosen = await chooseSegmenter({ mode: options.segmenter, modelPath: options.modelPath, sample });
  } catch (err) {
    if (!(err instanceof SegmentationError) || options.segmenter !== 'auto') throw err;
    const checks = others.map((s) => checkRegistration(reference.image, s.name, s.image));
    if (!isRegistered(checks)) throw err;
    const why = `${(err as Error).message.split('. The threshold')[0]}; no model given`;
    return none(
      why,
      `none: the images are already registered (best shift against the reference within ${checks[0]?.scale.toFixed(1) ?? '?'} px for all ${checks.length} sampled images), so they are stored as they are`,
      'none: no segmenter applies (supply a model to mask this dataset)',
      'ncc',
    );
  }

  let referenceMask: Mask;
  const masked: SampleWithMask[] = [];
  try {
    referenceMask = await chosen.segmenter.segment(reference.image, reference.name);
    if (options.align) {
      for (const s of others) {
        try {
          masked.push({ ...s, mask: await chosen.segmenter.segment(s.image, s.name) });
        } catch {
          // an image the segmenter cannot handle is the per-image stage's business, not the sample's
        }
      }
    }
  } catch (err) {
    await chosen.segmenter.dispose?.();
    throw err;
  }
  const mode: AlignModeDecision = options.align
    ? await decideAlignmentMode({ ...reference, mask: referenceMask }, masked)
    : { mode: 'none', reason: '--no-align', evidence: null };
  return {
    chosen,
    referenceMask,
    decisions: {
      segmenter: { kind: chosen.segmenter.kind, reason: chosen.reason },
      alignment: { mode: mode.mode, reason: mode.reason, ...(mode.evidence ? { evidence: mode.evidence } : {}) },
      mask: options.mask ? { enabled: true, reason: `union of the ${chosen.segmenter.kind} segmenter's object masks` } : MASK_NOT_ASKED,
      frameSize: frameSize(reference.image),
      misalignment: misalignmentRule('silhouetteIou'),
    },
  };
}
