// Re-opens the segmenter a run chose, in whichever process (or Lambda) runs a stage.
import { SegmentationError } from '../../ground/errors.ts';
import { createModelSegmenter, createThresholdSegmenter, type Segmenter } from '../segment/index.ts';
import { MODEL_ENV_VAR } from '../segment/auto.ts';
import type { SegmenterChoice } from './job.ts';

export async function openSegmenter(choice: SegmenterChoice, modelPath?: string): Promise<Segmenter> {
  if (choice.kind === 'threshold') return createThresholdSegmenter();
  const path = modelPath;
  if (!path) {
    throw new SegmentationError(
      'model segmenter',
      `this dataset was segmented with an ONNX model; give the same model with --model PATH or ${MODEL_ENV_VAR}`,
    );
  }
  const segmenter = await createModelSegmenter({ modelPath: path });
  if (choice.modelSha256 && segmenter.modelSha256 !== choice.modelSha256) {
    throw new SegmentationError(path, `model sha256 ${segmenter.modelSha256} differs from the run's ${choice.modelSha256}`);
  }
  return segmenter;
}
