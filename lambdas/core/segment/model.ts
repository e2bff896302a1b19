// Salient-object segmentation with a rembg-compatible ONNX model (U2-Net, U2-Netp, ISNet) on onnxruntime-node.
// Pre- and post-processing follow rembg's sessions so a model behaves here as it does there:
//   resize to the model's input (Lanczos), divide by the image maximum, (v - mean) / std per channel, NCHW float32;
//   take one output map, min-max normalise it, to 8 bits, resize back (Lanczos).
// Then, unlike rembg (which returns a soft alpha), threshold at 0.5 and keep the largest component, holes filled.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { SegmentationError } from '../../ground/errors.ts';
import type { Image, Mask } from '../types.ts';
import { largestComponentFilled } from './components.ts';
import type { Segmenter } from './types.ts';

export type ModelKind = 'isnet' | 'u2net';

export interface ModelSegmenterOptions {
  modelPath: string;
  /** preprocessing family; 'auto' (default) infers it from the file name (isnet / u2net), else the input size
   *  (1024: ISNet, 320: U2-Net). The working side is always the model's declared input. */
  kind?: ModelKind | 'auto';
  /** onnxruntime intra-op threads; default: onnxruntime's choice (all cores) */
  threads?: number;
}

interface Preprocessing {
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

// rembg: DisSession (isnet-general-use) and U2netSession / U2netpSession / SiluetaSession.
const PREPROCESSING: Readonly<Record<ModelKind, Preprocessing>> = {
  isnet: { size: 1024, mean: [0.5, 0.5, 0.5], std: [1, 1, 1] },
  u2net: { size: 320, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

const MODEL_ADVICE =
  'supply a rembg-compatible salient-object ONNX model (e.g. isnet-general-use.onnx or u2net.onnx) via --model PATH';

/** Probability above which a pixel is object, on the min-max normalised map (rembg's mask at 50%). */
const OBJECT_THRESHOLD = 0.5;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Height and width of an NCHW input when they are fixed numbers in the model, else undefined. */
function staticInputSize(meta: ort.InferenceSession.ValueMetadata | undefined): { height: number; width: number } | undefined {
  if (!meta?.isTensor || meta.shape.length !== 4) return undefined;
  const [, , height, width] = meta.shape;
  return typeof height === 'number' && typeof width === 'number' && height > 0 && width > 0 ? { height, width } : undefined;
}

function resolveKind(requested: ModelKind | 'auto', modelPath: string, inputSize: { height: number; width: number } | undefined): ModelKind {
  if (requested !== 'auto') return requested;
  // The name first: bench/extract-isnet.ts --side N writes ISNet at other sides (isnet-320.onnx is not a U2-Net).
  const base = path.basename(modelPath).toLowerCase();
  if (base.includes('isnet')) return 'isnet';
  if (base.includes('u2net') || base.includes('silueta')) return 'u2net';
  if (inputSize?.width === PREPROCESSING.isnet.size) return 'isnet';
  if (inputSize?.width === PREPROCESSING.u2net.size) return 'u2net';
  if (base.includes('dis')) return 'isnet';
  throw new SegmentationError(
    modelPath,
    `cannot tell the model family from its input (${inputSize ? `${inputSize.width}x${inputSize.height}` : 'dynamic size'}) ` +
      `or its name: pass kind 'isnet' or 'u2net'`,
  );
}

export async function createModelSegmenter(options: ModelSegmenterOptions): Promise<Segmenter & { modelSha256: string }> {
  const { modelPath } = options;
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SegmentationError(
      modelPath,
      `${missing ? 'model file not found' : `cannot read the model file (${reasonOf(error)})`}; ${MODEL_ADVICE}`,
    );
  }
  const modelSha256 = createHash('sha256').update(bytes).digest('hex');

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    });
  } catch (error) {
    throw new SegmentationError(modelPath, `not a valid ONNX model (${reasonOf(error)}); ${MODEL_ADVICE}`);
  }

  const inputName = session.inputNames[0];
  if (inputName === undefined || session.outputNames.length === 0) {
    await session.release();
    throw new SegmentationError(modelPath, `the model has no input or no output; ${MODEL_ADVICE}`);
  }
  const inputMeta = session.inputMetadata[0];
  if (inputMeta?.isTensor) {
    const channels = inputMeta.shape[1];
    const shapeOk = inputMeta.shape.length === 4 && (typeof channels !== 'number' || channels === 3);
    if (!shapeOk || inputMeta.type !== 'float32') {
      await session.release();
      throw new SegmentationError(
        modelPath,
        `the model's input "${inputName}" is ${inputMeta.type} [${inputMeta.shape.join(',')}], expected float32 [1,3,H,W] ` +
          `like rembg's models; ${MODEL_ADVICE}`,
      );
    }
  }
  const inputSize = staticInputSize(inputMeta);
  let kind: ModelKind;
  try {
    kind = resolveKind(options.kind ?? 'auto', modelPath, inputSize);
  } catch (error) {
    await session.release();
    throw error;
  }
  const preprocessing = PREPROCESSING[kind];
  const inputWidth = inputSize?.width ?? preprocessing.size;
  const inputHeight = inputSize?.height ?? preprocessing.size;
  // ISNet exports carry side outputs; the fused map is named 'output' (rembg takes the first, which is the same).
  const outputName = session.outputNames.includes('output') ? 'output' : session.outputNames[0]!;

  const description =
    `model ${kind} ${path.basename(modelPath)} (sha256 ${modelSha256.slice(0, 12)}, input "${inputName}" ` +
    `${inputWidth}x${inputHeight}, output "${outputName}", threshold ${OBJECT_THRESHOLD})`;

  async function segment(image: Image, name = 'image'): Promise<Mask> {
    const input = await toInputTensor(image, inputWidth, inputHeight, preprocessing);
    let map: ort.Tensor;
    try {
      const results = await session.run({ [inputName!]: input }, [outputName]);
      map = results[outputName]!;
    } catch (error) {
      throw new SegmentationError(name, `model ${path.basename(modelPath)} failed: ${reasonOf(error)}`);
    }
    // The map's own size (its last two dimensions): normally the input's, but a model may predict coarser.
    const mapHeight = Number(map.dims.at(-2));
    const mapWidth = Number(map.dims.at(-1));
    if (!(mapHeight > 0 && mapWidth > 0)) {
      throw new SegmentationError(name, `model ${path.basename(modelPath)} returned "${outputName}" of shape [${map.dims.join(',')}], not a map`);
    }
    const probability = await toImageSizeProbability(map, mapWidth, mapHeight, image.width, image.height);
    const cutoff = OBJECT_THRESHOLD * 255;
    const raw = new Uint8Array(probability.length);
    for (let p = 0; p < raw.length; p++) raw[p] = probability[p]! > cutoff ? 255 : 0;
    const mask = await largestComponentFilled({ width: image.width, height: image.height, data: raw });
    if (!mask.data.includes(255)) {
      throw new SegmentationError(name, `model ${path.basename(modelPath)} found no salient object`);
    }
    return mask;
  }

  return {
    kind: 'model',
    description,
    modelSha256,
    segment,
    dispose: () => session.release(),
  };
}

/** rembg's normalize(): RGB, Lanczos resize, divide by the maximum, (v - mean) / std, NCHW float32. */
async function toInputTensor(image: Image, width: number, height: number, pre: Preprocessing): Promise<ort.Tensor> {
  const { data: resized, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // sharp may hand a 1-channel input back as RGB: index by what it returned.
  const channels = info.channels;
  let max = 0;
  for (const v of resized) if (v > max) max = v;
  const scale = 1 / Math.max(max, 1e-6);
  const plane = width * height;
  const tensor = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      // A grey image is its own R, G and B (rembg converts to RGB first).
      const v = resized[p * channels + (channels === 1 ? 0 : c)]!;
      tensor[c * plane + p] = (v * scale - pre.mean[c]!) / pre.std[c]!;
    }
  }
  return new ort.Tensor('float32', tensor, [1, 3, height, width]);
}

/** rembg's post-processing: first channel, min-max normalised, to 8 bits, Lanczos resize to the image size. */
async function toImageSizeProbability(
  map: ort.Tensor,
  mapWidth: number,
  mapHeight: number,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const values = map.data as Float32Array;
  const plane = mapWidth * mapHeight;
  if (values.length < plane) throw new Error(`model output has ${values.length} values, expected at least ${plane}`);
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < plane; p++) {
    const v = values[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const bytes = new Uint8Array(plane);
  // A flat map has nothing salient; rembg would divide by zero here.
  if (range > 0) for (let p = 0; p < plane; p++) bytes[p] = Math.floor(((values[p]! - min) / range) * 255);
  const resized = await sharp(bytes, { raw: { width: mapWidth, height: mapHeight, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.length);
}
