// Every knob of a compress run, validated once at the edge (CLI flags or a Lambda event).
import { z } from 'zod';

/** x265's rate-control frame rate by default: a video rate, at which CRF 28..51 spans the sizes users want. */
export const DEFAULT_RATE_FPS = 25;

export const X265_PARAMS = /^[A-Za-z0-9_.:=,/+-]*$/;

export const CompressOptionsSchema = z.object({
  crf: z.number().int().min(0).max(51).default(28),
  lossless: z.boolean().default(false),
  preset: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'])
    .default('medium'),
  x265Params: z.string().regex(X265_PARAMS, 'x265 options may only hold key=value pairs separated by ":"').default(''),
  segmenter: z.enum(['auto', 'threshold', 'model']).default('auto'),
  modelPath: z.string().optional(),
  marginPx: z.number().int().min(0).max(512).optional(),
  reference: z.string().optional(),
  align: z.boolean().default(true),
  mask: z.boolean().default(true),
  /** Encode only the union mask's bounding box (restore pads back to the full frame). */
  crop: z.boolean().default(true),
  onAlignFailure: z.enum(['fail', 'keep', 'drop']).default('fail'),
  /** Pin x265's threading so the bitstream is reproducible across machines and runs. */
  threads: z.number().int().min(1).max(64).optional(),
  /** Frames per reel segment; 0 = automatic (lambdas/core/reel/segments.ts). A small dataset is one segment. */
  segmentFrames: z.number().int().min(0).max(100_000).default(0),
  /** Frame order inside each segment: by name, or by similarity (fewer bytes; lambdas/core/reel/frame-order.ts). */
  frameOrder: z.enum(['name', 'similarity']).default('similarity'),
  /** The frame rate x265's rate control assumes (x265 fps=N). The reel's timestamps stay at REEL_FPS (one frame per
   * second, so a frame index is a seek time); CRF's bits per frame depend on this rate, not on the timestamps. */
  rateFps: z.number().int().min(1).max(240).default(DEFAULT_RATE_FPS),
  /** Store frames with at most this many pixels on their longest side (the detector's resolution), scaled after
   * alignment; absent = the reference's own size. */
  maxSide: z.number().int().min(64).max(65_535).optional(),
  /** Build the reel from an earlier output's transforms, union mask and reference instead of aligning again. */
  reuseAlignment: z.string().min(1).optional(),
});

/** Options --reuse-alignment takes from the earlier output (they decide the transforms and the union mask). */
export const ALIGNMENT_OPTION_KEYS = ['align', 'mask', 'reference', 'segmenter', 'modelPath', 'marginPx', 'onAlignFailure'] as const;

export type CompressOptions = z.output<typeof CompressOptionsSchema>;
export type CompressOptionsInput = z.input<typeof CompressOptionsSchema>;

export function parseCompressOptions(input: CompressOptionsInput): CompressOptions {
  return CompressOptionsSchema.parse(input);
}
