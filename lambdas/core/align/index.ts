// The alignment API: prepare the reference once, estimate each image's similarity onto it, warp.
export { prepareReference, disposeReference, type ReferenceModel } from './reference.ts';
export { estimateAlignment, MIN_SILHOUETTE_IOU, type AlignmentResult, type EstimateOptions } from './estimate-alignment.ts';
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
