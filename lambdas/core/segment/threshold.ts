// Fast classical segmentation for an object on a plain background: light blur, Otsu threshold (polarity decided
// by the frame's border, which is background), close then open, largest connected component, holes filled.
// Otsu alone lands inside the soft shadow a lit object casts (on the MVTec screws it takes ~140 where the
// outline's edge is at ~110), and the shadow's shape changes with the object's orientation. So the threshold is
// then moved, between the object's mean and Otsu's value, to the grey level whose pixels have the strongest mean
// gradient: that is where the object's sharp outline is, not the shadow's gentle ramp.
// All of it runs on a working plane, the frame area-averaged by an integer factor (workingFactor: 2 for a 1024 px
// frame, 1 for 384 px), and only the finished mask is brought back to full size.
// The plane thresholded is the luminance, or for a colour object of the background's brightness the distance from
// the border's colour (channel.ts; the caller says which, threshold-test.ts decides it per image).
import { loadCv, type CV } from '../cv.ts';
import { AREA, labelComponents, STAT_COLUMNS } from './components.ts';
import { SegmentationError } from '../../ground/errors.ts';
import type { Image, Mask } from '../types.ts';
import { closeDisc, openDisc } from '../align/morphology.ts';
import { boxAbove, luminance } from '../align/raster.ts';
import { borderRing, colourDistancePlane, type ThresholdChannel } from './channel.ts';

export interface ThresholdOptions {
  /** file name, for error messages */
  name?: string;
  /** Gaussian blur before thresholding, in pixels; default scales with the frame (1 px per 700 px of side) */
  blurSigma?: number;
  /** closing radius in pixels; default 1.5% of the shorter side (15 px at 1024, the 31x31 closing of PROTOCOL.md):
   *  wide enough to seal a specular highlight that reaches the outline, so that hole filling restores it */
  closeRadius?: number;
  /** opening radius in pixels (removes dust); default 0.2% of the shorter side */
  openRadius?: number;
  /** smallest plausible object, as a share of the frame */
  minAreaFraction?: number;
  /** largest plausible object, as a share of the frame */
  maxAreaFraction?: number;
  /** smallest Otsu between-class / total variance ratio for the histogram to count as object + background */
  minBimodality?: number;
  /** move Otsu's threshold to the object's sharpest outline; false = plain Otsu. Default: on luminance only (on the
   *  colour-distance plane the object's own shading makes steep levels inside it, and there is no shadow ramp) */
  edgeRefine?: boolean;
  /** the plane thresholded (default luminance; 'colour-distance' needs an RGB image) */
  channel?: ThresholdChannel;
  /** work on the frame reduced by this integer factor (default: workingFactor of the closing radius; 1 = full size) */
  workingFactor?: number;
}

/** Numbers another module can use to judge how much to trust the threshold segmentation. */
export interface ThresholdDiagnostics {
  /** the plane thresholded */
  channel: ThresholdChannel;
  /** threshold applied to the (blurred) plane, 0..255 */
  threshold: number;
  /** Otsu's threshold before the edge refinement */
  otsuThreshold: number;
  /** true when the object is darker than the background */
  objectIsDark: boolean;
  /** Otsu between-class variance / total variance, 0..1: near 1 for a clean object-on-background histogram */
  bimodality: number;
  /** share of the border ring on the background side of the threshold (low = the background is not plain) */
  borderAgreement: number;
  /** the final mask's area / the frame's */
  objectFraction: number;
  /** the largest component's share of all foreground after morphology (low = clutter or noise) */
  largestComponentShare: number;
  /** number of connected components after morphology */
  componentCount: number;
  /** share of the frame's border pixels inside the final mask (an object should not touch the border) */
  borderTouch: number;
}

export interface ThresholdResult {
  mask: Mask;
  diagnostics: ThresholdDiagnostics;
}

/** The border ring that decides the polarity (and the background's colour), as a share of the shorter side. */
const BORDER_RING_FRACTION = 0.01;

const DEFAULTS = {
  minAreaFraction: 0.002,
  maxAreaFraction: 0.8,
  minBimodality: 0.5,
};

export async function segmentThreshold(image: Image, opts: ThresholdOptions = {}): Promise<Mask> {
  return (await segmentThresholdWithDiagnostics(image, opts)).mask;
}

export async function thresholdDiagnostics(image: Image, opts: Omit<ThresholdOptions, 'name'> = {}): Promise<ThresholdDiagnostics> {
  return (await runThreshold(image, opts)).diagnostics;
}

/** The mask and the diagnostics together; throws SegmentationError when no plausible object is found. */
export async function segmentThresholdWithDiagnostics(image: Image, opts: ThresholdOptions = {}): Promise<ThresholdResult> {
  const name = opts.name ?? 'image';
  const result = await runThreshold(image, opts);
  const d = result.diagnostics;
  const minArea = opts.minAreaFraction ?? DEFAULTS.minAreaFraction;
  const maxArea = opts.maxAreaFraction ?? DEFAULTS.maxAreaFraction;
  const minBimodality = opts.minBimodality ?? DEFAULTS.minBimodality;
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  if (d.bimodality < minBimodality) {
    throw new SegmentationError(name, `the intensity histogram is not object-on-background (Otsu separation ${d.bimodality.toFixed(2)} < ${minBimodality})`);
  }
  if (d.objectFraction < minArea) {
    throw new SegmentationError(name, `no object found: the largest region covers ${pct(d.objectFraction)} of the frame (< ${pct(minArea)})`);
  }
  if (d.objectFraction > maxArea) {
    throw new SegmentationError(name, `no object found: the largest region covers ${pct(d.objectFraction)} of the frame (> ${pct(maxArea)}), the background is not plain`);
  }
  return result;
}

async function runThreshold(image: Image, opts: Omit<ThresholdOptions, 'name'>): Promise<ThresholdResult> {
  const { width, height } = image;
  if (width < 8 || height < 8) throw new RangeError(`image of ${width}x${height} is too small to segment`);
  const cv = await loadCv();
  const shorter = Math.min(width, height);
  const blurSigma = opts.blurSigma ?? shorter / 700;
  const closeRadius = opts.closeRadius ?? Math.max(1, Math.round(0.015 * shorter));
  const openRadius = opts.openRadius ?? Math.max(1, Math.round(0.002 * shorter));
  const factor = opts.workingFactor ?? workingFactor(closeRadius);
  const w = Math.max(8, Math.round(width / factor));
  const h = Math.max(8, Math.round(height / factor));
  const f = width / w;

  const channel = opts.channel ?? 'luminance';
  const fullPlane = channel === 'colour-distance' ? colourDistancePlane(image, BORDER_RING_FRACTION) : luminance(image);
  // Area averaging is itself a blur (variance (f^2 - 1) / 12 full-size pixels^2): only the rest is applied.
  const residualSigma = Math.sqrt(Math.max(0, blurSigma * blurSigma - (f * f - 1) / 12)) / f;
  const grey = blurred(cv, f > 1 ? resizedBytes(cv, fullPlane, width, height, w, h, cv.INTER_AREA) : fullPlane, w, h, residualSigma);
  const { threshold: otsuThreshold, bimodality, lowMean, highMean } = otsu(grey);
  const ring = borderRing(w, h, Math.max(2, Math.round((BORDER_RING_FRACTION * shorter) / f)));
  let above = 0;
  for (const i of ring) if (grey[i] > otsuThreshold) above++;
  const objectIsDark = above / ring.length >= 0.5;
  const borderAgreement = objectIsDark ? above / ring.length : 1 - above / ring.length;
  const threshold =
    !(opts.edgeRefine ?? channel === 'luminance')
      ? otsuThreshold
      : objectIsDark
        ? sharpestLevel(grey, w, h, Math.ceil(lowMean), otsuThreshold)
        : sharpestLevel(grey, w, h, otsuThreshold + 1, Math.floor(highMean)) - 1;

  const binary = new Uint8Array(w * h);
  for (let i = 0; i < binary.length; i++) binary[i] = (objectIsDark ? grey[i] <= threshold : grey[i] > threshold) ? 255 : 0;
  const cleaned = morphology(binary, w, h, Math.max(1, Math.round(closeRadius / f)), Math.max(1, Math.round(openRadius / f)));
  const { largest, componentCount, largestShare } = await largestComponent(cleaned, w, h);
  const working = fillHoles(largest, w, h);

  // The diagnostics are shares, read on the working plane.
  let area = 0;
  for (let i = 0; i < working.length; i++) if (working[i]) area++;
  const edge = borderRing(w, h, 1);
  let touching = 0;
  for (const i of edge) if (working[i]) touching++;
  return {
    mask: { width, height, data: f > 1 ? upsampled(cv, working, w, h, width, height) : working },
    diagnostics: {
      channel,
      threshold,
      otsuThreshold,
      objectIsDark,
      bimodality,
      borderAgreement,
      objectFraction: area / (w * h),
      largestComponentShare: largestShare,
      componentCount,
      borderTouch: touching / edge.length,
    },
  };
}

/**
 * The working plane is the frame reduced by an integer factor such that the closing still has a radius of at
 * least MIN_WORKING_CLOSE_RADIUS pixels: the closing and the opening, Otsu, the components and the hole filling
 * then cost (1 / factor^2) of the full frame's, and the closed outline is smooth at that scale, so the mask
 * brought back to full size (bilinear, cut at half) follows it within a pixel. A 1024 px frame (closing radius
 * 15) works at 512 px, a 384 px one (radius 6) at full size.
 */
export function workingFactor(closeRadius: number): number {
  return Math.max(1, Math.floor(closeRadius / MIN_WORKING_CLOSE_RADIUS));
}
const MIN_WORKING_CLOSE_RADIUS = 6;

/** A byte plane resized to w x h (OpenCV's interpolation code). */
function resizedBytes(cv: CV, plane: Uint8Array, width: number, height: number, w: number, h: number, interpolation: number): Uint8Array {
  const src = new cv.Mat(height, width, cv.CV_8UC1);
  const dst = new cv.Mat();
  try {
    src.data.set(plane);
    cv.resize(src, dst, new cv.Size(w, h), 0, 0, interpolation);
    return new Uint8Array(dst.data);
  } finally {
    src.delete();
    dst.delete();
  }
}

/** A 0 / 255 working mask at full size: bilinear, then cut at half. */
function upsampled(cv: CV, mask: Uint8Array, w: number, h: number, width: number, height: number): Uint8Array {
  const out = resizedBytes(cv, mask, w, h, width, height, cv.INTER_LINEAR);
  for (let i = 0; i < out.length; i++) out[i] = out[i] >= 128 ? 255 : 0;
  return out;
}

function blurred(cv: CV, grey: Uint8Array, width: number, height: number, sigma: number): Uint8Array {
  if (sigma <= 0) return grey;
  const src = new cv.Mat(height, width, cv.CV_8UC1);
  const dst = new cv.Mat();
  try {
    src.data.set(grey);
    const k = 2 * Math.ceil(2.5 * sigma) + 1;
    cv.GaussianBlur(src, dst, new cv.Size(k, k), sigma, sigma, cv.BORDER_REPLICATE);
    return new Uint8Array(dst.data);
  } finally {
    src.delete();
    dst.delete();
  }
}

export interface OtsuResult {
  /** pixels <= threshold form the low class */
  threshold: number;
  /** between-class / total variance, 0..1 */
  bimodality: number;
  lowMean: number;
  highMean: number;
}

export function otsu(values: Uint8Array): OtsuResult {
  const hist = new Float64Array(256);
  for (let i = 0; i < values.length; i++) hist[values[i]]++;
  return otsuFromHistogram(hist);
}

export function otsuFromHistogram(hist: Float64Array): OtsuResult {
  let total = 0;
  let sum = 0;
  let sumSq = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v];
    sum += v * hist[v];
    sumSq += v * v * hist[v];
  }
  if (total === 0) return { threshold: 0, bimodality: 0, lowMean: 0, highMean: 0 };
  const mean = sum / total;
  const variance = sumSq / total - mean * mean;
  let best: OtsuResult = { threshold: 0, bimodality: 0, lowMean: mean, highMean: mean };
  let bestBetween = -1;
  let w0 = 0;
  let s0 = 0;
  for (let t = 0; t < 255; t++) {
    w0 += hist[t];
    s0 += t * hist[t];
    if (w0 === 0 || w0 === total) continue;
    const m0 = s0 / w0;
    const m1 = (sum - s0) / (total - w0);
    const between = (w0 / total) * (1 - w0 / total) * (m0 - m1) ** 2;
    if (between > bestBetween) {
      bestBetween = between;
      best = { threshold: t, bimodality: variance > 0 ? between / variance : 0, lowMean: m0, highMean: m1 };
    }
  }
  return best;
}

/**
 * The grey level in [from, to] whose pixels have the highest mean gradient magnitude (levels pooled over a
 * small window so sparse levels do not win by chance). Falls back to `to` when the range is empty.
 */
function sharpestLevel(grey: Uint8Array, width: number, height: number, from: number, to: number): number {
  if (to <= from) return to;
  const gradientSum = new Float64Array(256);
  const count = new Float64Array(256);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      const v = grey[i];
      if (v < from - EDGE_WINDOW || v > to + EDGE_WINDOW) continue;
      gradientSum[v] += hypotOfBytes(grey[i + 1] - grey[i - 1], grey[i + width] - grey[i - width]);
      count[v]++;
    }
  }
  let bestLevel = to;
  let bestMean = -1;
  for (let t = from; t <= to; t++) {
    let g = 0;
    let c = 0;
    for (let k = Math.max(0, t - EDGE_WINDOW); k <= Math.min(255, t + EDGE_WINDOW); k++) {
      g += gradientSum[k];
      c += count[k];
    }
    if (c < EDGE_MIN_PIXELS) continue;
    if (g / c > bestMean) {
      bestMean = g / c;
      bestLevel = t;
    }
  }
  return bestLevel;
}

let hypotTable: Float64Array | undefined;

/** Math.hypot(dx, dy) for byte differences (-255..255), from a table built with Math.hypot (same values, no
 *  per-pixel call). */
function hypotOfBytes(dx: number, dy: number): number {
  if (!hypotTable) {
    hypotTable = new Float64Array(511 * 511);
    for (let a = -255; a <= 255; a++) for (let b = -255; b <= 255; b++) hypotTable[(a + 255) * 511 + b + 255] = Math.hypot(a, b);
  }
  return hypotTable[(dx + 255) * 511 + dy + 255];
}

/** Half-width, in grey levels, of the window pooled by sharpestLevel, and the fewest pixels a window needs. */
const EDGE_WINDOW = 4;
const EDGE_MIN_PIXELS = 50;

function morphology(binary: Uint8Array, width: number, height: number, closeRadius: number, openRadius: number): Uint8Array {
  return openDisc(closeDisc(binary, width, height, closeRadius), width, height, openRadius);
}

export interface LargestComponent {
  /** 0 / 255, only the largest 8-connected component */
  largest: Uint8Array;
  componentCount: number;
  /** the largest component's share of all set pixels */
  largestShare: number;
}

export async function largestComponent(binary: Uint8Array, width: number, height: number): Promise<LargestComponent> {
  const { count, labels, stats } = labelComponents(await loadCv(), binary, width, height, 8);
  let best = 0;
  let bestArea = 0;
  let foreground = 0;
  for (let label = 1; label < count; label++) {
    const area = stats[label * STAT_COLUMNS + AREA]!;
    foreground += area;
    if (area > bestArea) {
      bestArea = area;
      best = label;
    }
  }
  const largest = new Uint8Array(width * height);
  if (best > 0) for (let i = 0; i < largest.length; i++) if (labels[i] === best) largest[i] = 255;
  return { largest, componentCount: count - 1, largestShare: foreground > 0 ? bestArea / foreground : 0 };
}

/**
 * Background = what the frame border reaches through non-object pixels (4-connected); the rest is object.
 * Every pixel outside the mask's box reaches the border in a straight line, so the flood only runs inside the
 * box grown by one pixel, from that region's rim.
 */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const box = boxAbove({ width, height, data: mask }, 0);
  if (!box) return out;
  const { x0: bx0, y0: by0, x1: bx1, y1: by1 } = box;
  const x0 = Math.max(0, bx0 - 1);
  const y0 = Math.max(0, by0 - 1);
  const x1 = Math.min(width - 1, bx1 + 1);
  const y1 = Math.min(height - 1, by1 + 1);
  const reached = new Uint8Array(width * height);
  const stack = new Int32Array((x1 - x0 + 1) * (y1 - y0 + 1));
  let top = 0;
  const push = (i: number) => {
    if (!reached[i] && !mask[i]) {
      reached[i] = 1;
      stack[top++] = i;
    }
  };
  // The region's rim: on the frame's edge, or next to pixels outside the box (all background, all reached).
  for (let x = x0; x <= x1; x++) {
    push(y0 * width + x);
    push(y1 * width + x);
  }
  for (let y = y0; y <= y1; y++) {
    push(y * width + x0);
    push(y * width + x1);
  }
  while (top > 0) {
    const i = stack[--top];
    const x = i % width;
    const y = (i - x) / width;
    if (x > x0) push(i - 1);
    if (x < x1) push(i + 1);
    if (y > y0) push(i - width);
    if (y < y1) push(i + width);
  }
  for (let y = y0; y <= y1; y++) {
    for (let i = y * width + x0, end = y * width + x1; i <= end; i++) out[i] = reached[i] ? 0 : 255;
  }
  return out;
}
