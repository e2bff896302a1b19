// Memory and timeout of every Lambda, and the Map settings, stated once: the stack builds its functions and the
// state machine's task timeouts from this table, and the cost model (bench/lib/cost-model.ts) prices with it.
// Plain numbers (no CDK import), so a benchmark reads them without loading aws-cdk-lib.
import type { MapSettings } from './pipeline.ts';

/** The segmenting functions' memory: the model engine needs >= 3 GB (onnxruntime + a U2-Net at 1 MP), the threshold engine much less. */
export const SEGMENTING_MB = { threshold: 2048, model: 3008 } as const;
export type SegmentEngine = keyof typeof SEGMENTING_MB;

export interface FunctionSizing {
  memoryMb: number | 'segmenting';
  /** the Lambda's timeout, and the state machine task's for the functions it invokes */
  timeoutSeconds: number;
}

export const FUNCTION_SIZING = {
  start: { memoryMb: 256, timeoutSeconds: 30 },
  discover: { memoryMb: 512, timeoutSeconds: 120 },
  summarize: { memoryMb: 512, timeoutSeconds: 120 },
  prepare: { memoryMb: 'segmenting', timeoutSeconds: 300 },
  align: { memoryMb: 'segmenting', timeoutSeconds: 300 },
  union: { memoryMb: 1024, timeoutSeconds: 300 },
  encode: { memoryMb: 3008, timeoutSeconds: 900 },
  verify: { memoryMb: 1024, timeoutSeconds: 600 },
  // 1024 MB and 5 min: at 100k images the manifest holds 100k frame records (cost model: ~35 s of work)
  publish: { memoryMb: 1024, timeoutSeconds: 300 },
  restore: { memoryMb: 2048, timeoutSeconds: 900 },
  restoreSegment: { memoryMb: 2048, timeoutSeconds: 900 },
  transform: { memoryMb: 'segmenting', timeoutSeconds: 900 },
} as const satisfies Record<string, FunctionSizing>;
export type FunctionName = keyof typeof FUNCTION_SIZING;

/** A function's configured memory (MB); the segmenting ones by the engine the stack is deployed for. */
export function memoryMb(fn: FunctionName, engine: SegmentEngine = 'threshold'): number {
  const m: FunctionSizing['memoryMb'] = FUNCTION_SIZING[fn].memoryMb;
  return m === 'segmenting' ? SEGMENTING_MB[engine] : m;
}

/**
 * Per-image align+mask takes ~0.3-1 s (threshold engine, 1 MP) and ~2-4 s with the model: batches of 8 fit 5 min.
 * Classes: 10 at a time (each fans out again). Segments: up to 20 encode Lambdas per class (a segment is sized to
 * encode in ~2 minutes, lambdas/core/reel/segments.ts).
 */
export const DEFAULT_MAP: MapSettings = { maxConcurrency: 40, maxItemsPerBatch: 8, toleratedFailurePercentage: 0, classConcurrency: 10, encodeConcurrency: 20 };
