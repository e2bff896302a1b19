// Re-opens the segmenter a run chose, in whichever process (or Lambda) runs a stage.
import { SegmentationError } from '../errors.ts';
import { createModelSegmenter, createThresholdSegmenter, type Segmenter } from '../segment/index.ts';
import type { SegmenterChoice } from './job.ts';

export function resolveModelPath(modelPath?: string): string | undefined {
  return modelPath ?? process.env.ADREEL_SEGMENT_MODEL;
}

export async function openSegmenter(choice: SegmenterChoice, modelPath?: string): Promise<Segmenter> {
  if (choice.kind === 'threshold') return createThresholdSegmenter();
  const path = resolveModelPath(modelPath);
  if (!path) {
    throw new SegmentationError(
      'model segmenter',
      'this dataset was segmented with an ONNX model; give the same model with --model PATH or ADREEL_SEGMENT_MODEL',
    );
  }
  const segmenter = await createModelSegmenter({ modelPath: path });
  if (choice.modelSha256 && segmenter.modelSha256 !== choice.modelSha256) {
    throw new SegmentationError(path, `model sha256 ${segmenter.modelSha256} differs from the run's ${choice.modelSha256}`);
  }
  return segmenter;
}
