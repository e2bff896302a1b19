// The alignment API: prepare the reference once, estimate each image's similarity onto it, warp.
export { prepareReference, disposeReference, type ReferenceModel } from './reference.ts';
export {
  estimateAlignment,
  ALIGNMENT_STAGES,
  MIN_SILHOUETTE_IOU,
  type AlignmentProfile,
  type AlignmentStage,
  type AlignmentResult,
  type EstimateOptions,
  type FeatureStageReport,
} from './estimate-alignment.ts';
export { detectFeatures, matchFeatures, type FeatureMatch, type FeatureSet } from './features.ts';
export { estimateSimilarityRansac, leastSquaresSimilarity, type SimilarityRansacResult } from './similarity-ransac.ts';
export { warpImage, warpMask, type WarpOptions } from './warp.ts';
export {
  applyAffine,
  applyAffineToPoints,
  composeAffine,
  invertAffine,
  paramsFromAffine,
  rmsDistance,
  similarityAbout,
  similarityFromParams,
  type Point,
  type SimilarityParams,
} from './affine.ts';
export { dilateDisc, erodeDisc, closeDisc, openDisc } from './morphology.ts';
