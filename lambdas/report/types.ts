// What a report shows, as plain data: the runner that measured the figures fills it, the renderer only draws it.
// Images are given as encoded bytes (PNG, JPEG, ...) or raw 8-bit pixels; the renderer downscales and inlines them.
import type { Image, Mask } from '../core/types.ts';

/** An image to show: encoded bytes (any format sharp reads), or decoded pixels (grey or RGB image, or a mask). */
export type ReportImage = { bytes: Uint8Array } | { image: Image } | { mask: Mask };

/** A table rendered as given: the runner formats the cells, so the report never rounds figures differently. */
export interface ReportTable {
  id: string;
  caption: string;
  headers: string[];
  rows: string[][];
  /** indexes of columns right-aligned as numbers */
  numericColumns?: number[];
  /** one note per row, shown as the row's tooltip (e.g. the exact settings of a variant) */
  rowNotes?: (string | undefined)[];
}

/** One measured point of the rate-accuracy plot. */
export interface RatePoint {
  /** training-set bytes on the x axis (reel bytes for reels, summed file bytes for per-image codecs) */
  bytes: number;
  imageAuroc: number;
  pixelAuroc: number;
  /** spread over seeds (min..max) when the point was measured with several seeds */
  imageRange?: [number, number];
  pixelRange?: [number, number];
  /** short label, e.g. "CRF 40" */
  label: string;
}

export interface RateSeries {
  /** stable id, also used as the points' data-series attribute */
  id: string;
  name: string;
  /** CSS colour */
  colour: string;
  /** join the points (sorted by bytes) with a line */
  line: boolean;
  points: RatePoint[];
}

/** A horizontal reference line on both panels (e.g. the raw-PNG accuracy). */
export interface RateBaseline {
  label: string;
  imageAuroc: number;
  pixelAuroc: number;
}

export interface RatePlot {
  series: RateSeries[];
  baseline?: RateBaseline;
  /** points to ring and name (operating points) */
  highlights?: { label: string; bytes: number; imageAuroc: number; pixelAuroc: number }[];
}

export interface LabelledImage {
  label: string;
  image: ReportImage;
}

export interface AlignmentSection {
  /** which output the pictures come from, e.g. "row 7: align + mask, CRF 28" */
  source: string;
  reference: ReportImage;
  unionMask?: ReportImage;
  /** the union mask's share of the frame, when masked */
  unionFraction?: number;
  /** a grid of aligned (restored) frames */
  frames: LabelledImage[];
  /** every frame's alignment score (the histogram) */
  scores: number[];
  /** the score below which the engine flags a frame, drawn on the histogram */
  scoreThreshold?: number;
  /** the worst-aligned frames, worst first */
  worst: (LabelledImage & { score: number })[];
}

export interface ReportInput {
  title: string;
  /** ISO time the figures were produced */
  generatedAt: string;
  /** short paragraphs of plain text under the title */
  summary: string[];
  tables: ReportTable[];
  plot?: RatePlot;
  alignment?: AlignmentSection;
  /** key/value facts of the run (code hash, seeds, machine, timings) */
  provenance: Record<string, string>;
}
