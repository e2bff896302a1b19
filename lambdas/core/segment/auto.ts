// Chooses the segmenter for a dataset. The fast threshold segmenter is used only when a stated test
// (threshold-test.ts: bimodal histogram, plain border, one dominant object of plausible and consistent size, on
// luminance or, for a colour object of the background's brightness, on the distance from the border's colour) says
// it is reliable on a sample of the dataset; otherwise an ONNX model is required. The summary line says in one
// sentence why it accepts or refuses.
import { DatasetError, SegmentationError, UsageError } from '../../ground/errors.ts';
import { evenlySpaced } from '../decide/robust-stats.ts';
import type { Image } from '../types.ts';
import { createModelSegmenter } from './model.ts';
import { createThresholdSegmenter } from './threshold-segmenter.ts';
import { addConsistencyFailures, AUTO_TEST, thresholdTestStats, type ThresholdTestStats } from './threshold-test.ts';
import type { Segmenter } from './types.ts';

export { addConsistencyFailures, AUTO_TEST, thresholdTestStats, type ThresholdTestStats };

/** The environment variable the CLI reads when --model is not given (the core itself reads no env). */
export const MODEL_ENV_VAR = 'ADREEL_SEGMENT_MODEL';

export interface SampleImage {
  name: string;
  image: Image;
}

export interface ChooseSegmenterOptions {
  mode: 'auto' | 'threshold' | 'model';
  /** ONNX model (the CLI falls back on env MODEL_ENV_VAR; the core reads no env) */
  modelPath?: string;
  /** images spread over the dataset (only 'auto' looks at them) */
  sample: SampleImage[];
}

export interface ChosenSegmenter {
  segmenter: Segmenter;
  /** why this segmenter, with the test's numbers when 'auto' decided */
  reason: string;
  modelSha256?: string;
}

function summarise(stats: ThresholdTestStats[]): string {
  const colour = stats.filter((s) => s.channel === 'colour-distance').length;
  const range = (values: number[], digits: number) =>
    `${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)}`;
  return (
    `${stats.length} images: bimodality ${range(stats.map((s) => s.bimodality), 3)}, ` +
    `border background ${range(stats.map((s) => s.borderBackground), 3)}, ` +
    `object ${range(stats.map((s) => s.objectFraction), 4)} of frame, ` +
    `largest share ${range(stats.map((s) => s.largestShare), 3)}` +
    (colour > 0 ? `, ${colour} of them on the distance from the border's colour (no luminance contrast)` : '')
  );
}

const MODEL_ADVICE =
  `supply a rembg-compatible salient-object ONNX model (e.g. isnet-general-use.onnx or u2net.onnx) ` +
  `via --model PATH or env ${MODEL_ENV_VAR}`;

export async function chooseSegmenter(options: ChooseSegmenterOptions): Promise<ChosenSegmenter> {
  const { modelPath } = options;

  if (options.mode === 'threshold') {
    return { segmenter: createThresholdSegmenter(), reason: 'threshold segmenter requested' };
  }
  if (options.mode === 'model') {
    if (!modelPath) throw new UsageError(`the model segmenter was requested but no model is configured: ${MODEL_ADVICE}`);
    const segmenter = await createModelSegmenter({ modelPath });
    return { segmenter, reason: `model segmenter requested: ${segmenter.description}`, modelSha256: segmenter.modelSha256 };
  }

  if (options.sample.length === 0) throw new DatasetError('no images to test the threshold segmenter on');
  const stats: ThresholdTestStats[] = [];
  for (const { name, image } of evenlySpaced(options.sample, AUTO_TEST.maxSampleImages)) {
    stats.push(await thresholdTestStats(name, image));
  }
  addConsistencyFailures(stats);
  const failed = stats.filter((s) => s.failures.length > 0);
  if (failed.length === 0) {
    return {
      segmenter: createThresholdSegmenter(),
      reason: `auto: threshold test passed on ${summarise(stats)}: a plain background and one consistent object in every sampled image`,
    };
  }

  const firstFailure = failed[0]!;
  const failureText =
    `threshold test failed on ${failed.length} of ${stats.length} sampled images ` +
    `(first: ${firstFailure.name}: ${firstFailure.failures.join('; ')}); ${summarise(stats)}`;
  if (modelPath) {
    const segmenter = await createModelSegmenter({ modelPath });
    return { segmenter, reason: `auto: ${failureText}; using ${segmenter.description}`, modelSha256: segmenter.modelSha256 };
  }
  throw new SegmentationError(firstFailure.name, `${failureText}. The threshold segmenter is not reliable here: ${MODEL_ADVICE}`);
}
