// Which grey plane the threshold engine separates an object from its background in. Luminance by default (grey
// images have nothing else); a colour image whose object does not stand out in luminance (the same brightness as
// the background, another colour) is thresholded on each pixel's distance from the background's colour instead,
// the background's colour being the per-channel median of the frame's border ring (the border is background). On
// that plane the background is dark and the object light, so the engine's polarity rule applies unchanged.
import type { Image } from '../types.ts';

export const THRESHOLD_CHANNELS = ['luminance', 'colour-distance'] as const;
export type ThresholdChannel = (typeof THRESHOLD_CHANNELS)[number];

/** Pixel indices within `thickness` of the frame's edge, in raster order. */
export function borderRing(width: number, height: number, thickness: number): Int32Array {
  const t = Math.max(1, Math.min(thickness, Math.floor(Math.min(width, height) / 2)));
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y < t || y >= height - t) {
      for (let x = 0; x < width; x++) out.push(row + x);
      continue;
    }
    for (let x = 0; x < Math.min(t, width); x++) out.push(row + x);
    for (let x = Math.max(t, width - t); x < width; x++) out.push(row + x);
  }
  return Int32Array.from(out);
}

/** The median of each colour channel over the pixels `ring` (an RGB image). */
export function borderColour(image: Image, ring: Int32Array): [number, number, number] {
  const colour: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const hist = new Uint32Array(256);
    for (const i of ring) hist[image.data[3 * i + c]!]!++;
    let seen = 0;
    let v = 0;
    while (v < 255 && (seen += hist[v]!) * 2 < ring.length) v++;
    colour[c] = v;
  }
  return colour;
}

/**
 * Each pixel's Euclidean RGB distance from the border ring's median colour (ring thickness: `ringFraction` of the
 * shorter side), clamped to 255: 0 on the background, large on an object of another colour whatever its brightness.
 */
export function colourDistancePlane(image: Image, ringFraction: number): Uint8Array {
  if (image.channels !== 3) throw new RangeError('the colour-distance plane needs an RGB image');
  const { width, height, data } = image;
  const ring = borderRing(width, height, Math.max(1, Math.round(ringFraction * Math.min(width, height))));
  const [r, g, b] = borderColour(image, ring);
  const out = new Uint8Array(width * height);
  for (let p = 0, i = 0; p < out.length; p++, i += 3) {
    const d = Math.round(Math.hypot(data[i]! - r, data[i + 1]! - g, data[i + 2]! - b));
    out[p] = d > 255 ? 255 : d;
  }
  return out;
}
