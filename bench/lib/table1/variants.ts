// What a benchmark point is: the raw PNGs, an adreel reel built with given compress options, or a per-image codec
// applied to every training image (what users pick instead of a reel).
import { DEFAULT_RATE_FPS, type CompressOptionsInput } from '../../../lambdas/core/compress/options.ts';

export type ImageCodec = 'avif' | 'webp' | 'jxl';

export type VariantSpec =
  | { id: string; label: string; kind: 'raw' }
  | { id: string; label: string; kind: 'reel'; options: CompressOptionsInput }
  | { id: string; label: string; kind: 'image-codec'; codec: ImageCodec; quality: number };

/** Settings every Table 1 reel shares (PROTOCOL.md "Table 1 variants"); threads pinned so reels are reproducible. */
export const TABLE1_ENCODER: CompressOptionsInput = { preset: 'medium', threads: 2, rateFps: DEFAULT_RATE_FPS };

export interface Table1Row {
  row: number;
  spec: VariantSpec;
  /** rows 0-2 train on unaligned, unmasked frames and are tested on the raw test set */
  transformsTest: boolean;
}

function reel(row: number, label: string, crf: number, align: boolean, mask: boolean): Table1Row {
  return {
    row,
    spec: { id: `row${row}`, label, kind: 'reel', options: { ...TABLE1_ENCODER, crf, align, mask } },
    transformsTest: align || mask,
  };
}

export const TABLE1_ROWS: Table1Row[] = [
  { row: 0, spec: { id: 'row0', label: 'none (PNG)', kind: 'raw' }, transformsTest: false },
  reel(1, 'video only', 28, false, false),
  reel(2, 'video only, max compression', 51, false, false),
  reel(3, 'alignment + video', 28, true, false),
  reel(4, 'alignment + video, max compression', 51, true, false),
  reel(5, 'background removal + video', 28, false, true),
  reel(6, 'background removal + video, max compression', 51, false, true),
  reel(7, 'alignment + background removal + video', 28, true, true),
  reel(8, 'alignment + background removal + video, max compression', 51, true, true),
];

/** The paper's figures (README.md of ../shared/paper), shown beside ours: trends compare, absolute values do not. */
export const PAPER_TABLE1: Record<number, { kb?: number; percent: number; image: number; pixel: number }> = {
  0: { kb: 124_000, percent: 3956.6, image: 0.844, pixel: 0.983 },
  1: { kb: 3_134, percent: 100, image: 0.846, pixel: 0.982 },
  2: { percent: 11.8, image: 0.677, pixel: 0.957 },
  3: { kb: 2_956, percent: 94.3, image: 0.944, pixel: 0.991 },
  4: { percent: 9.1, image: 0.626, pixel: 0.949 },
  5: { kb: 3_448, percent: 110.0, image: 0.646, pixel: 0.965 },
  6: { percent: 15.4, image: 0.618, pixel: 0.95 },
  7: { kb: 2_551, percent: 81.9, image: 0.979, pixel: 0.993 },
  8: { percent: 6.5, image: 0.93, pixel: 0.985 },
};

/** Short text of a variant's settings, as the report's tooltips and the JSON show them. */
export function describeSpec(spec: VariantSpec): string {
  if (spec.kind === 'raw') return 'original PNGs, no compression';
  if (spec.kind === 'image-codec') return `${spec.codec} ${spec.codec === 'jxl' ? 'distance' : spec.codec === 'avif' ? 'crf' : 'quality'} ${spec.quality} per image`;
  const o = spec.options;
  // every reel row states the frame rate x265's rate control ran at (its CRF means different bits at each)
  const flags = [o.lossless ? 'lossless' : `crf ${o.crf ?? 28}`, `preset ${o.preset ?? 'medium'}`, `rate control ${o.rateFps ?? DEFAULT_RATE_FPS} fps`];
  if (o.align === false) flags.push('--no-align');
  if (o.mask === false) flags.push('--no-mask');
  if (o.crop === false) flags.push('--no-crop');
  if (o.marginPx !== undefined) flags.push(`margin ${o.marginPx}`);
  if (o.x265Params) flags.push(`x265 ${o.x265Params}`);
  if (o.segmenter && o.segmenter !== 'auto') flags.push(`segmenter ${o.segmenter}`);
  return flags.join(', ');
}
