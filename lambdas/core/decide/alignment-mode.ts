// Which alignment a dataset needs: none, translation or similarity, decided on a sample of its own images.
// Each sampled image is aligned onto the reference both ways (translation: object centroids; similarity: the full
// aligner), and the intensities inside the reference's object decide (NCC, objectNcc): the silhouette alone cannot
// (a round object looks the same at every rotation; noisy masks of a registered dataset move it by a pixel).
//   - similarity is chosen only if its median NCC gain over translation exceeds how much the translated images'
//     NCC varies from one image to the next (1.4826 MAD over the sample): a gain the dataset's own variation
//     cannot explain; otherwise translation, the simpler model;
//   - none (identity) if the chosen model does not improve on leaving the images where they are by more than the
//     spread of its gain, and the unmoved silhouettes would not be outliers of the aligned ones (median identity
//     IoU at or above the aligned IoUs' gate, misalignment.ts): the dataset is already registered, and re-aligning
//     it would only add noise. (NCC alone cannot decide this: on the screws the lamp makes NCC of correctly aligned
//     images range from ~0 to 0.7, while their unmoved silhouettes barely overlap.)
import { estimateAlignment, prepareReference, disposeReference } from '../align/index.ts';
import { luminance } from '../align/raster.ts';
import { estimateTranslation, identityIou, objectNcc } from '../align/translation.ts';
import { MIN_OUTLIER_DEVIATION } from './misalignment.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { lowOutlierGate, MAD_TO_SIGMA, mad, median } from './robust-stats.ts';

export type AlignMode = 'none' | 'translation' | 'similarity';
export const ALIGN_MODES: readonly AlignMode[] = ['none', 'translation', 'similarity'];

export interface SampleWithMask {
  name: string;
  image: Image;
  mask: Mask;
}

export interface AlignModeEvidence {
  sampleSize: number;
  /** per sample image: NCC with the reference unmoved, after translation, after similarity */
  ncc: { name: string; identity: number; translation: number; similarity: number }[];
  /** per sample image: silhouette IoU with the reference unmoved and after the chosen model */
  iou: { name: string; identity: number; aligned: number }[];
  /** the aligned IoUs' outlier gate, and the unmoved IoUs' median compared with it */
  identityIou: { median: number; gate: number };
  /** median of similarity - translation NCC, and the robust spread of the translated images' NCC (the scale) */
  similarityOverTranslation: { median: number; sigma: number };
  /** median and robust spread of chosen model - identity NCC */
  gainOverIdentity: { median: number; sigma: number };
}

export interface AlignModeDecision {
  mode: AlignMode;
  reason: string;
  evidence: AlignModeEvidence | null;
}

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

function spread(values: number[]): { median: number; sigma: number } {
  return { median: median(values), sigma: MAD_TO_SIGMA * mad(values) };
}

const f3 = (v: number) => v.toFixed(3);

export async function decideAlignmentMode(reference: SampleWithMask, sample: SampleWithMask[]): Promise<AlignModeDecision> {
  if (sample.length === 0) return { mode: 'similarity', reason: 'no other image to compare with: similarity (the default)', evidence: null };
  const model = await prepareReference(reference.image, reference.mask);
  const refGrey = luminance(reference.image);
  const rows: AlignModeEvidence['ncc'] = [];
  const ious: { name: string; identity: number; translation: number; similarity: number }[] = [];
  try {
    for (const s of sample) {
      const grey = luminance(s.image);
      const ncc = (m: Affine) => objectNcc(refGrey, reference.mask, grey, s.image.width, s.image.height, m);
      const translation = await estimateTranslation(reference.mask, s.mask);
      const similarity = await estimateAlignment(model, s.image, s.mask, { name: s.name });
      ious.push({
        name: s.name,
        identity: await identityIou(reference.mask, s.mask),
        translation: translation?.silhouetteIou ?? 0,
        similarity: similarity.silhouetteIou,
      });
      rows.push({
        name: s.name,
        identity: await ncc(IDENTITY),
        translation: translation ? await ncc(translation.matrix) : -1,
        similarity: similarity.method === 'none' ? -1 : await ncc(similarity.matrix),
      });
    }
  } finally {
    disposeReference(model);
  }
  const simOverTr = { median: median(rows.map((r) => r.similarity - r.translation)), sigma: spread(rows.map((r) => r.translation)).sigma };
  const moving: AlignMode = simOverTr.median > simOverTr.sigma ? 'similarity' : 'translation';
  const gain = spread(rows.map((r) => (moving === 'similarity' ? r.similarity : r.translation) - r.identity));
  const iou = ious.map((r) => ({ name: r.name, identity: r.identity, aligned: moving === 'similarity' ? r.similarity : r.translation }));
  const identityIouMedian = median(iou.map((r) => r.identity));
  const gate = lowOutlierGate(iou.map((r) => r.aligned), MIN_OUTLIER_DEVIATION).threshold;
  const evidence: AlignModeEvidence = {
    sampleSize: rows.length,
    ncc: rows,
    iou,
    identityIou: { median: identityIouMedian, gate },
    similarityOverTranslation: simOverTr,
    gainOverIdentity: gain,
  };
  const modelWhy =
    moving === 'similarity'
      ? `similarity agrees better than translation (NCC +${f3(simOverTr.median)} > the translated images' spread ${f3(simOverTr.sigma)})`
      : `similarity agrees no better than translation (NCC ${simOverTr.median >= 0 ? '+' : ''}${f3(simOverTr.median)} <= the translated images' spread ${f3(simOverTr.sigma)}): rotation is not observable or not needed`;
  const silhouettesAgree = identityIouMedian >= gate;
  if (!(gain.median > gain.sigma) && silhouettesAgree) {
    return {
      mode: 'none',
      reason:
        `already registered: ${moving} improves NCC with the reference by ${f3(gain.median)}, within its spread ${f3(gain.sigma)}, ` +
        `and the unmoved silhouettes (median IoU ${f3(identityIouMedian)}) are no outliers of the aligned ones (gate ${f3(gate)}), over ${rows.length} sampled images; ${modelWhy}`,
      evidence,
    };
  }
  const why = gain.median > gain.sigma
    ? `it improves NCC over the unmoved images by ${f3(gain.median)} (spread ${f3(gain.sigma)})`
    : `the unmoved silhouettes (median IoU ${f3(identityIouMedian)}) fall below the aligned ones' gate ${f3(gate)}`;
  return { mode: moving, reason: `${modelWhy}; ${why}, ${rows.length} sampled images`, evidence };
}
