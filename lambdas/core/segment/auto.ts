// Chooses the segmenter for a dataset. The fast threshold segmenter is used only when a stated test says it is
// reliable on a sample of the dataset; otherwise an ONNX model is required.
//
// The test, on every sampled image (luminance, one global Otsu threshold, object = the side the border is not on,
// so a dark object on a light background and a light object on a dark one are the same case):
//   1. bimodality: Otsu between-class variance / total variance >= 0.70 (a uniform histogram scores 0.75, which
//      is why 2..4 exist; Gaussian-like texture ~0.64);
//   2. plain background: >= 90% of a border ring (1% of the shorter side) falls on the background side;
//   3. one object: the largest 8-connected component covers at least 0.1% of the frame (smaller is dust) and at
//      most 95% (an object that fills the frame up to its border ring is fine: condition 2 keeps the border
//      background) ...
//   4. ... and holds >= 90% of all object-side pixels (texture or clutter fragments);
// and on the sample as a whole:
//   5. consistent objects: every image's object area is within a factor 1.5 of the sample's median (the same
//      product under one camera; a threshold that lands on texture or shadow gives areas all over the place).
// The summary line says in one sentence why it accepts or refuses.
import { DatasetError, SegmentationError, UsageError } from '../../ground/errors.ts';
import { imageToGrey } from '../image-io.ts';
import type { Image } from '../types.ts';
import { evenlySpaced, median } from '../decide/robust-stats.ts';
import { componentAreas } from './components.ts';
import { createModelSegmenter } from './model.ts';
import { createThresholdSegmenter } from './threshold-segmenter.ts';
import type { Segmenter } from './types.ts';

export const AUTO_TEST = {
  /** at most this many images of the sample are tested (evenly spaced) */
  maxSampleImages: 8,
  minBimodality: 0.7,
  minBorderBackground: 0.9,
  /** border ring thickness as a share of the shorter side */
  borderRingFraction: 0.01,
  minObjectFraction: 0.001,
  maxObjectFraction: 0.95,
  minLargestShare: 0.9,
  /** every sampled object's area within this factor of the sample's median area */
  maxAreaFactor: 1.5,
} as const;

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

/** The auto test's numbers for one image. */
export interface ThresholdTestStats {
  name: string;
  otsuThreshold: number;
  bimodality: number;
  borderBackground: number;
  /** largest object-side component / frame */
  objectFraction: number;
  /** largest object-side component / all object-side pixels */
  largestShare: number;
  /** which of the four conditions failed, in words; empty when the image passes */
  failures: string[];
}

/** Otsu's threshold on a 256-bin histogram (values <= t are one class) and between-class / total variance. */
function otsuOfHistogram(histogram: Float64Array): { threshold: number; bimodality: number } {
  let count = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let v = 0; v < 256; v++) {
    count += histogram[v]!;
    sum += v * histogram[v]!;
    sumSquares += v * v * histogram[v]!;
  }
  const mean = sum / count;
  const totalVariance = sumSquares / count - mean * mean;
  let threshold = 0;
  let bestBetween = 0;
  let lowCount = 0;
  let lowSum = 0;
  for (let t = 0; t < 255; t++) {
    lowCount += histogram[t]!;
    lowSum += t * histogram[t]!;
    if (lowCount === 0 || lowCount === count) continue;
    const lowMean = lowSum / lowCount;
    const highMean = (sum - lowSum) / (count - lowCount);
    const lowWeight = lowCount / count;
    const between = lowWeight * (1 - lowWeight) * (lowMean - highMean) ** 2;
    if (between > bestBetween) {
      bestBetween = between;
      threshold = t;
    }
  }
  return { threshold, bimodality: totalVariance > 0 ? bestBetween / totalVariance : 0 };
}

/** Runs the four conditions of the auto test on one image. */
export async function thresholdTestStats(name: string, image: Image): Promise<ThresholdTestStats> {
  const grey = imageToGrey(image).data;
  const { width, height } = image;
  const histogram = new Float64Array(256);
  for (let i = 0; i < grey.length; i++) histogram[grey[i]!]!++;
  const { threshold, bimodality } = otsuOfHistogram(histogram);

  const ring = Math.max(1, Math.round(AUTO_TEST.borderRingFraction * Math.min(width, height)));
  let ringPixels = 0;
  let ringAbove = 0;
  for (let y = 0; y < height; y++) {
    const edgeRow = y < ring || y >= height - ring;
    for (let x = 0; x < width; x++) {
      if (!edgeRow && x >= ring && x < width - ring) continue;
      ringPixels++;
      if (grey[y * width + x]! > threshold) ringAbove++;
    }
  }
  // The border is background: the object is on the other side of the threshold.
  const objectIsDark = ringAbove * 2 >= ringPixels;
  const borderBackground = (objectIsDark ? ringAbove : ringPixels - ringAbove) / ringPixels;

  const objectSide = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) objectSide[i] = (grey[i]! > threshold) !== objectIsDark ? 255 : 0;
  const areas = await componentAreas({ width, height, data: objectSide });
  const objectPixels = areas.reduce((total, area) => total + area, 0);
  const largest = areas[0] ?? 0;
  const objectFraction = largest / (width * height);
  const largestShare = objectPixels > 0 ? largest / objectPixels : 0;

  const failures: string[] = [];
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  if (bimodality < AUTO_TEST.minBimodality) {
    failures.push(`histogram not bimodal (Otsu variance ratio ${bimodality.toFixed(3)} < ${AUTO_TEST.minBimodality})`);
  }
  if (borderBackground < AUTO_TEST.minBorderBackground) {
    failures.push(`background not plain (${pct(borderBackground)} of the border on the background side < ${pct(AUTO_TEST.minBorderBackground)})`);
  }
  if (objectFraction < AUTO_TEST.minObjectFraction || objectFraction > AUTO_TEST.maxObjectFraction) {
    failures.push(
      `largest region ${pct(objectFraction)} of the frame, outside ${pct(AUTO_TEST.minObjectFraction)}..${pct(AUTO_TEST.maxObjectFraction)}`,
    );
  }
  if (largestShare < AUTO_TEST.minLargestShare) {
    failures.push(`no dominant object (largest region holds ${pct(largestShare)} of the object side < ${pct(AUTO_TEST.minLargestShare)})`);
  }
  return { name, otsuThreshold: threshold, bimodality, borderBackground, objectFraction, largestShare, failures };
}

/** Condition 5: an image whose object area is off the sample's median by more than the factor fails. */
export function addConsistencyFailures(stats: ThresholdTestStats[]): void {
  const areas = stats.filter((s) => s.failures.length === 0).map((s) => s.objectFraction);
  if (areas.length < 3) return;
  const middle = median(areas);
  for (const s of stats) {
    if (s.failures.length > 0) continue;
    const factor = Math.max(s.objectFraction / middle, middle / s.objectFraction);
    if (factor > AUTO_TEST.maxAreaFactor) {
      s.failures.push(`object area ${(100 * s.objectFraction).toFixed(1)}% is ${factor.toFixed(2)}x the sample's median ${(100 * middle).toFixed(1)}% (> ${AUTO_TEST.maxAreaFactor}x)`);
    }
  }
}

function summarise(stats: ThresholdTestStats[]): string {
  const range = (values: number[], digits: number) =>
    `${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)}`;
  return (
    `${stats.length} images: bimodality ${range(stats.map((s) => s.bimodality), 3)}, ` +
    `border background ${range(stats.map((s) => s.borderBackground), 3)}, ` +
    `object ${range(stats.map((s) => s.objectFraction), 4)} of frame, ` +
    `largest share ${range(stats.map((s) => s.largestShare), 3)}`
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
