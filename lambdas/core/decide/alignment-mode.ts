// Which alignment a dataset needs: none, translation or similarity, decided on a sample of its own images.
// Each sampled image is aligned onto the reference both ways (translation: object centroids; similarity: the full
// aligner), and the intensities inside the reference's object decide (NCC, objectNcc): the silhouette alone cannot
// (a round object looks the same at every rotation; noisy masks of a registered dataset move it by a pixel).
//   - similarity is chosen only if its median NCC gain over translation exceeds how much the translated images'
//     NCC varies from one image to the next (1.4826 MAD over the sample): a gain the dataset's own variation
//     cannot explain; otherwise translation, the simpler model;
//   - none (identity) if the chosen model does not improve on leaving the images where they are by more than the
//     spread of its gain: the dataset is already registered, and re-aligning it would only add noise.
import { estimateAlignment, prepareReference, disposeReference } from '../align/index.ts';
import { luminance } from '../align/raster.ts';
import { estimateTranslation, objectNcc } from '../align/translation.ts';
import type { Affine, Image, Mask } from '../types.ts';
import { MAD_TO_SIGMA, mad, median } from './robust-stats.ts';

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
  try {
    for (const s of sample) {
      const grey = luminance(s.image);
      const ncc = (m: Affine) => objectNcc(refGrey, reference.mask, grey, s.image.width, s.image.height, m);
      const translation = await estimateTranslation(reference.mask, s.mask);
      const similarity = await estimateAlignment(model, s.image, s.mask, { name: s.name });
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
  const evidence: AlignModeEvidence = { sampleSize: rows.length, ncc: rows, similarityOverTranslation: simOverTr, gainOverIdentity: gain };
  const modelWhy =
    moving === 'similarity'
      ? `similarity agrees better than translation (NCC +${f3(simOverTr.median)} > the translated images' spread ${f3(simOverTr.sigma)})`
      : `similarity agrees no better than translation (NCC ${simOverTr.median >= 0 ? '+' : ''}${f3(simOverTr.median)} <= the translated images' spread ${f3(simOverTr.sigma)}): rotation is not observable or not needed`;
  if (!(gain.median > gain.sigma)) {
    return {
      mode: 'none',
      reason: `already registered: ${moving} improves NCC with the reference by ${f3(gain.median)}, within its spread ${f3(gain.sigma)} over ${rows.length} sampled images; ${modelWhy}`,
      evidence,
    };
  }
  return { mode: moving, reason: `${modelWhy}; it improves NCC over the unmoved images by ${f3(gain.median)} (spread ${f3(gain.sigma)}, ${rows.length} sampled images)`, evidence };
}
