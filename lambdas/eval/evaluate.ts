// The PaDiM evaluator of PROTOCOL.md ("PaDiM evaluator"): one pass over the training images accumulates the
// per-position Gaussians, one pass over the test images scores them; several channel-subset seeds share both
// passes, so the backbone runs once per image whatever the number of seeds.
import { UsageError } from '../ground/errors.ts';
import { aurocFromGroups } from './auroc.ts';
import { Backbone, resolveBackbonePath, type BackboneIdentity } from './backbone.ts';
import { BackboneError, EvalDataError } from './errors.ts';
import { gatherEmbeddings, totalEmbeddingChannels } from './embedding.ts';
import { featureBatches } from './features.ts';
import { readMvtecCategory, readSplitFromFolders, type EvalFolders, type EvalSplit } from './mvtec.ts';
import { GaussianAccumulator, type PadimModel } from './padim.ts';
import { CROP_SIZE, DEFAULT_RESIZE_KERNEL, loadMaskCrop, RESIZE_KERNELS, type ResizeKernel } from './preprocess.ts';
import { sampleChannelSubset } from './prng.ts';
import { anomalyMap, maximum } from './scoremap.ts';

/** Channels of layer1 + layer2 + layer3 of ResNet-18. */
export const BACKBONE_CHANNELS = 64 + 128 + 256;
/** PaDiM-R18 keeps 100 of them. */
export const KEPT_CHANNELS = 100;
export const DEFAULT_BATCH_SIZE = 8;

export type EvalStage = 'train' | 'fit' | 'test';

export interface EvalOptions {
  /** path of the .onnx backbone; see resolveBackbonePath for the fallbacks */
  backbone?: string;
  /** channel-subset seed (default 0) */
  seed?: number;
  /** images per backbone run (default 8) */
  batchSize?: number;
  /** onnxruntime intra-op threads (default 2) */
  intraOpThreads?: number;
  /** resize kernel for the images (default linear = bilinear; masks are always nearest) */
  kernel?: ResizeKernel;
  onProgress?: (stage: EvalStage, done: number, total: number) => void;
}

export interface MultiSeedEvalOptions extends Omit<EvalOptions, 'seed'> {
  /** several channel-subset seeds evaluated from one backbone pass; one result per seed, same order */
  seeds: number[];
}

export interface EvalResult {
  imageAuroc: number;
  pixelAuroc: number;
  seed: number;
  kernel: ResizeKernel;
  trainCount: number;
  testCount: number;
  /**
   * features: wall time spent waiting for image/mask decoding and backbone inference (train + test), shared by
   * all seeds of one call; fit: this seed's channel gathering, sum accumulation and per-position Cholesky;
   * score: this seed's Mahalanobis distances, anomaly maps and AUROCs; total: wall time of the whole call.
   */
  seconds: { features: number; fit: number; score: number; total: number };
  backbone: BackboneIdentity;
  /** per test image, in test order: the image score (max of the smoothed map), for paired comparisons of variants */
  imageScores: ImageScore[];
}

export interface ImageScore {
  file: string;
  defectType: string;
  score: number;
}

interface SeedState {
  seed: number;
  channels: Int32Array;
  accumulator?: GaussianAccumulator;
  model?: PadimModel;
  fitSeconds: number;
  scoreSeconds: number;
  imageScores: number[];
  negativePixels: Float64Array[];
  positivePixels: Float64Array[];
}

function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

function checkSeeds(seeds: number[]): void {
  if (seeds.length === 0) throw new UsageError('evaluation needs at least one channel-subset seed');
  for (const seed of seeds) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new UsageError(`channel-subset seed must be an integer in 0..2^32-1, got ${seed}`);
    }
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`channel-subset seeds repeat: ${seeds.join(', ')}`);
}

/** Splits one smoothed map into normal / anomalous pixel scores by its ground-truth mask (absent = all normal). */
function splitPixelsByMask(map: Float64Array, mask: Uint8Array | undefined): { negative: Float64Array; positive: Float64Array } {
  if (!mask) return { negative: map, positive: new Float64Array(0) };
  let positives = 0;
  for (let i = 0; i < mask.length; i++) positives += mask[i];
  const positive = new Float64Array(positives);
  const negative = new Float64Array(map.length - positives);
  let p = 0;
  let n = 0;
  for (let i = 0; i < map.length; i++) {
    if (mask[i]) positive[p++] = map[i];
    else negative[n++] = map[i];
  }
  return { negative, positive };
}

function concatenate(chunks: Float64Array[]): Float64Array {
  const result = new Float64Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

/** Runs PaDiM on an already-listed split for every seed of `seeds`. */
export async function evaluateSplit(split: EvalSplit, options: MultiSeedEvalOptions): Promise<EvalResult[]> {
  const started = performance.now();
  checkSeeds(options.seeds);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const kernel = options.kernel ?? DEFAULT_RESIZE_KERNEL;
  if (!RESIZE_KERNELS.includes(kernel)) throw new UsageError(`resize kernel must be one of ${RESIZE_KERNELS.join(', ')}, got ${kernel}`);
  const progress = options.onProgress ?? (() => undefined);
  const { trainFiles, testImages } = split;
  // Fail before the long passes rather than after them.
  if (trainFiles.length < 2) throw new EvalDataError(`PaDiM needs at least 2 training images, got ${trainFiles.length}`);
  if (!testImages.some((image) => image.anomalous) || testImages.every((image) => image.anomalous)) {
    throw new EvalDataError('the test set needs both good and anomalous images for an image AUROC');
  }
  const states: SeedState[] = options.seeds.map((seed) => ({
    seed,
    channels: sampleChannelSubset(seed, BACKBONE_CHANNELS, KEPT_CHANNELS),
    fitSeconds: 0,
    scoreSeconds: 0,
    imageScores: [],
    negativePixels: [],
    positivePixels: [],
  }));

  const backbone = await Backbone.open(resolveBackbonePath(options.backbone), options.intraOpThreads ?? 2);
  let featureSeconds = 0;
  try {
    progress('train', 0, trainFiles.length);
    let waitStart = performance.now();
    for await (const batch of featureBatches(backbone, trainFiles, batchSize, kernel)) {
      featureSeconds += secondsSince(waitStart);
      const total = totalEmbeddingChannels(batch.outputs);
      if (total !== BACKBONE_CHANNELS) {
        throw new BackboneError(
          `layer1-3 give ${total} channels, the protocol expects ${BACKBONE_CHANNELS}`,
          backbone.identity.path,
        );
      }
      for (const state of states) {
        const fitStart = performance.now();
        const embeddings = gatherEmbeddings(batch.outputs, state.channels);
        state.accumulator ??= new GaussianAccumulator(embeddings.positions, embeddings.dims);
        state.accumulator.add(embeddings);
        state.fitSeconds += secondsSince(fitStart);
      }
      progress('train', batch.start + batch.files.length, trainFiles.length);
      waitStart = performance.now();
    }

    states.forEach((state, index) => {
      const fitStart = performance.now();
      state.model = state.accumulator!.fit();
      state.accumulator = undefined;
      state.fitSeconds += secondsSince(fitStart);
      progress('fit', index + 1, states.length);
    });

    progress('test', 0, testImages.length);
    const testFiles = testImages.map((image) => image.file);
    waitStart = performance.now();
    for await (const batch of featureBatches(backbone, testFiles, batchSize, kernel)) {
      const items = testImages.slice(batch.start, batch.start + batch.files.length);
      const masks = await Promise.all(items.map((item) => (item.maskFile ? loadMaskCrop(item.maskFile) : undefined)));
      featureSeconds += secondsSince(waitStart);
      for (const state of states) {
        const scoreStart = performance.now();
        const model = state.model!;
        const embeddings = gatherEmbeddings(batch.outputs, state.channels);
        const distances = model.distances(embeddings);
        items.forEach((item, b) => {
          const map = anomalyMap(distances[b], embeddings.gridWidth, embeddings.gridHeight, CROP_SIZE);
          state.imageScores.push(maximum(map));
          const pixels = splitPixelsByMask(map, masks[b]);
          state.negativePixels.push(pixels.negative);
          if (pixels.positive.length > 0) state.positivePixels.push(pixels.positive);
        });
        state.scoreSeconds += secondsSince(scoreStart);
      }
      progress('test', batch.start + batch.files.length, testImages.length);
      waitStart = performance.now();
    }
  } finally {
    await backbone.close();
  }

  const results = states.map((state) => {
    const aurocStart = performance.now();
    const imageAuroc = aurocFromGroups(
      state.imageScores.filter((_, i) => !testImages[i].anomalous),
      state.imageScores.filter((_, i) => testImages[i].anomalous),
    );
    const pixelAuroc = aurocFromGroups(concatenate(state.negativePixels), concatenate(state.positivePixels));
    state.negativePixels = [];
    state.positivePixels = [];
    state.scoreSeconds += secondsSince(aurocStart);
    return { state, imageAuroc, pixelAuroc };
  });
  const totalSeconds = secondsSince(started);
  return results.map(({ state, imageAuroc, pixelAuroc }) => ({
    imageAuroc,
    pixelAuroc,
    seed: state.seed,
    kernel,
    trainCount: trainFiles.length,
    testCount: testImages.length,
    seconds: { features: featureSeconds, fit: state.fitSeconds, score: state.scoreSeconds, total: totalSeconds },
    backbone: backbone.identity,
    imageScores: state.imageScores.map((score, i) => ({ file: testImages[i].file, defectType: testImages[i].defectType, score })),
  }));
}

function seedsOf(options: EvalOptions | MultiSeedEvalOptions | undefined): number[] {
  if (options && 'seeds' in options) {
    if ('seed' in options && (options as EvalOptions).seed !== undefined) {
      throw new UsageError('give either seed or seeds, not both');
    }
    return options.seeds;
  }
  return [options?.seed ?? 0];
}

/** Evaluates an MVTec AD category folder (<cat>/train/good, <cat>/test/<type>, <cat>/ground_truth/<type>). */
export function evaluateCategory(categoryDir: string, options: MultiSeedEvalOptions): Promise<EvalResult[]>;
export function evaluateCategory(categoryDir: string, options?: EvalOptions): Promise<EvalResult>;
export async function evaluateCategory(
  categoryDir: string,
  options?: EvalOptions | MultiSeedEvalOptions,
): Promise<EvalResult | EvalResult[]> {
  const seeds = seedsOf(options);
  const results = await evaluateSplit(await readMvtecCategory(categoryDir), { ...options, seeds });
  return options && 'seeds' in options ? results : results[0];
}

/** Evaluates a split whose training, test and ground-truth folders live in different places. */
export function evaluateFromFolders(folders: EvalFolders, options: MultiSeedEvalOptions): Promise<EvalResult[]>;
export function evaluateFromFolders(folders: EvalFolders, options?: EvalOptions): Promise<EvalResult>;
export async function evaluateFromFolders(
  folders: EvalFolders,
  options?: EvalOptions | MultiSeedEvalOptions,
): Promise<EvalResult | EvalResult[]> {
  const seeds = seedsOf(options);
  const results = await evaluateSplit(await readSplitFromFolders(folders), { ...options, seeds });
  return options && 'seeds' in options ? results : results[0];
}

export type { EvalFolders, EvalSplit } from './mvtec.ts';
