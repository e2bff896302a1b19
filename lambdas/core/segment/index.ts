// The segmentation API: the Segmenter interface, the threshold and model segmenters, and the auto choice.
export type { Segmenter } from './types.ts';
export { segmentThreshold, type ThresholdOptions } from './threshold.ts';
export { createThresholdSegmenter, thresholdChannelFor } from './threshold-segmenter.ts';
export { THRESHOLD_CHANNELS, colourDistancePlane, type ThresholdChannel } from './channel.ts';
export { createModelSegmenter, type ModelKind, type ModelSegmenterOptions } from './model.ts';
export {
  AUTO_TEST,
  MODEL_ENV_VAR,
  chooseSegmenter,
  thresholdTestStats,
  type ChooseSegmenterOptions,
  type ChosenSegmenter,
  type SampleImage,
  type ThresholdTestStats,
} from './auto.ts';
export { componentAreas, largestComponentFilled } from './components.ts';
