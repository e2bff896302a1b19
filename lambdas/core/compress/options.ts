// Every knob of a compress run, validated once at the edge (CLI flags or a Lambda event).
import { z } from 'zod';

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
  /** What to do with an image that cannot be aligned: flag (default) fails the run on an image with no object or
   * no pose, and keeps an image that only scores as an outlier of its dataset, flagged; fail (strict) also fails on
   * those; keep keeps every image (unaligned if need be), flagged; drop leaves failures out, recorded. */
  onAlignFailure: z.enum(['flag', 'fail', 'keep', 'drop']).default('flag'),
  /** Pin x265's threading so the bitstream is reproducible across machines and runs. */
  threads: z.number().int().min(1).max(64).optional(),
  /** Frames per reel segment; 0 = automatic (lambdas/core/reel/segments.ts). A small dataset is one segment. */
  segmentFrames: z.number().int().min(0).max(100_000).default(0),
  /** Frame order inside each segment: by name, or by similarity (fewer bytes; lambdas/core/reel/frame-order.ts). */
  frameOrder: z.enum(['name', 'similarity']).default('similarity'),
});

export type CompressOptions = z.output<typeof CompressOptionsSchema>;
export type CompressOptionsInput = z.input<typeof CompressOptionsSchema>;

export function parseCompressOptions(input: CompressOptionsInput): CompressOptions {
  return CompressOptionsSchema.parse(input);
}
