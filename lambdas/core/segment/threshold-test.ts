// The stated test that says whether the fast threshold segmenter is reliable on an image (auto.ts applies it to a
// sample of the dataset; the gated model segmenter and the threshold segmenter itself apply it per image).
//
// On every tested image (one global Otsu threshold, object = the side the border is not on, so a dark object on a
// light background and a light object on a dark one are the same case):
//   1. bimodality: Otsu between-class variance / total variance >= 0.70 (a uniform histogram scores 0.75, which
//      is why 2..4 exist; Gaussian-like texture ~0.64);
//   2. plain background: >= 90% of a border ring (1% of the shorter side) falls on the background side;
//   3. one object: the largest 8-connected component covers at least 0.1% of the frame (smaller is dust) and at
//      most 95% (an object that fills the frame up to its border ring is fine: condition 2 keeps the border
//      background) ...
//   4. ... and holds >= 90% of all object-side pixels (texture or clutter fragments);
// and on a sample as a whole:
//   5. consistent objects: every image's object area is within a factor 1.5 of the sample's median (the same
//      product under one camera; a threshold that lands on texture or shadow gives areas all over the place).
// The plane tested is the luminance; a colour image that fails there is tested again on its distance from the
// border's colour (channel.ts), and passes on that plane if 1-4 hold there (an object of the background's
// brightness but another colour). Grey images are only ever tested on luminance.
import { imageToGrey } from '../image-io.ts';
import type { Image } from '../types.ts';
import { median } from '../decide/robust-stats.ts';
import { colourDistancePlane, type ThresholdChannel } from './channel.ts';
import { componentAreas } from './components.ts';
import { otsuFromHistogram } from './threshold.ts';

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

/** The auto test's numbers for one image. */
export interface ThresholdTestStats {
  name: string;
  /** the plane the numbers are measured on (and the threshold segmenter uses for this image) */
  channel: ThresholdChannel;
  otsuThreshold: number;
  bimodality: number;
  borderBackground: number;
  /** largest object-side component / frame */
  objectFraction: number;
  /** largest object-side component / all object-side pixels */
  largestShare: number;
  /** which of the conditions failed, in words; empty when the image passes */
  failures: string[];
}

/** Conditions 1-4 on one grey plane. */
async function testPlane(name: string, channel: ThresholdChannel, grey: Uint8Array, width: number, height: number): Promise<ThresholdTestStats> {
  const histogram = new Float64Array(256);
  for (let i = 0; i < grey.length; i++) histogram[grey[i]!]!++;
  const { threshold, bimodality } = otsuFromHistogram(histogram);

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
  return { name, channel, otsuThreshold: threshold, bimodality, borderBackground, objectFraction, largestShare, failures };
}

/** Runs conditions 1-4 on one image: on its luminance, and for a colour image that fails there, on its colour. */
export async function thresholdTestStats(name: string, image: Image): Promise<ThresholdTestStats> {
  const { width, height } = image;
  const luminance = await testPlane(name, 'luminance', imageToGrey(image).data, width, height);
  if (luminance.failures.length === 0 || image.channels !== 3) return luminance;
  const colour = await testPlane(name, 'colour-distance', colourDistancePlane(image, AUTO_TEST.borderRingFraction), width, height);
  if (colour.failures.length === 0) return colour;
  return { ...luminance, failures: [...luminance.failures, `on the distance from the border's colour too: ${colour.failures.join(', ')}`] };
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
