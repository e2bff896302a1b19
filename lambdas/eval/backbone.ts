// The ResNet-18 layer1-3 backbone (ONNX) run with onnxruntime-node on CPU, in batches.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { BackboneError } from './errors.ts';

export const BACKBONE_FILE_NAME = 'resnet18_layer1-3_fp32.onnx';
const LAYER_NAMES = ['layer1', 'layer2', 'layer3'] as const;
const LAYER_CHANNELS = [64, 128, 256] as const;

/** One output stage of the backbone for a whole batch, NCHW float32. */
export interface LayerOutput {
  name: string;
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

/** Backbone outputs of one batch: layer1, layer2, layer3 in that order. */
export interface BackboneOutputs {
  batchSize: number;
  layers: LayerOutput[];
}

export interface BackboneIdentity {
  path: string;
  sha256: string;
}

/**
 * Where the backbone lives: the explicit option, else env ADREEL_BACKBONE, else
 * `<shared>/models/resnet18_layer1-3_fp32.onnx` with `<shared>` = env ADREEL_SHARED or `<repo>/../shared`.
 * The model is never copied into the repository (its weights' licence is unclear).
 */
export function resolveBackbonePath(explicit?: string): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const sharedRoot = process.env.ADREEL_SHARED || path.resolve(repoRoot, '..', 'shared');
  const candidate = explicit || process.env.ADREEL_BACKBONE || path.join(sharedRoot, 'models', BACKBONE_FILE_NAME);
  const resolved = path.resolve(candidate);
  if (!existsSync(resolved) || !statSync(resolved).isFile()) {
    throw new BackboneError(
      'backbone model not found; pass the backbone option, or set ADREEL_BACKBONE (the .onnx file) or ADREEL_SHARED ' +
        '(the folder holding models/)',
      resolved,
    );
  }
  return resolved;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class Backbone {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly identity: BackboneIdentity,
  ) {}

  /** Opens the model; two intra-op threads because the development machine has two cores. */
  static async open(modelPath: string, intraOpThreads = 2): Promise<Backbone> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new BackboneError(`onnxruntime cannot load the model: ${(error as Error).message}`, modelPath);
    }
    const missing = LAYER_NAMES.filter((name) => !session.outputNames.includes(name));
    if (missing.length > 0 || !session.inputNames.includes('input')) {
      await session.release();
      throw new BackboneError(
        `expected input 'input' and outputs ${LAYER_NAMES.join(', ')}; model has inputs ` +
          `[${session.inputNames.join(', ')}] outputs [${session.outputNames.join(', ')}]`,
        modelPath,
      );
    }
    return new Backbone(session, { path: modelPath, sha256: await sha256OfFile(modelPath) });
  }

  /** Runs a batch given as NCHW float32 `[batchSize, 3, size, size]`. */
  async run(input: Float32Array, batchSize: number, size: number): Promise<BackboneOutputs> {
    const tensor = new ort.Tensor('float32', input, [batchSize, 3, size, size]);
    const results = await this.session.run({ input: tensor });
    const layers = LAYER_NAMES.map((name, index): LayerOutput => {
      const output = results[name];
      const [n, channels, height, width] = output.dims;
      if (n !== batchSize || channels !== LAYER_CHANNELS[index] || output.type !== 'float32') {
        throw new BackboneError(
          `output ${name} has shape [${output.dims.join(',')}] (${output.type}); expected ` +
            `[${batchSize},${LAYER_CHANNELS[index]},H,W] float32`,
          this.identity.path,
        );
      }
      return { name, channels, height, width, data: output.data as Float32Array };
    });
    return { batchSize, layers };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
