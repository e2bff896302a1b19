// Frames stored smaller than the reference (--max-side): alignment runs in the reference's geometry, then each
// aligned frame is resized to the stored size. One place decides the stored size and does the resizing, so the
// training frames (compress), the test images (transform) and restore agree.
import sharp from 'sharp';
import type { Image, Mask } from './types.ts';

export interface StoredSize {
  width: number;
  height: number;
  /** stored pixels per reference pixel (1 = the reference's size) */
  factor: number;
}

/** The stored frame size for a reference of width x height: its longest side at most maxSide. */
export function storedSize(width: number, height: number, maxSide?: number): StoredSize {
  const longest = Math.max(width, height);
  if (maxSide === undefined || longest <= maxSide) return { width, height, factor: 1 };
  const factor = maxSide / longest;
  return { width: Math.max(1, Math.round(width * factor)), height: Math.max(1, Math.round(height * factor)), factor };
}

/** An aligned frame (reference geometry) at the stored size: sharp's default (lanczos3) reduction, antialiased. */
export async function toStoredImage(image: Image, size: { width: number; height: number }): Promise<Image> {
  if (image.width === size.width && image.height === size.height) return image;
  return resizeImage(image, size.width, size.height, 'lanczos3');
}

/** A mask at the stored size; nearest neighbour keeps it binary. */
export async function toStoredMask(mask: Mask, size: { width: number; height: number }): Promise<Mask> {
  if (mask.width === size.width && mask.height === size.height) return mask;
  const img = await resizeImage({ width: mask.width, height: mask.height, channels: 1, data: mask.data }, size.width, size.height, 'nearest');
  for (let i = 0; i < img.data.length; i++) img.data[i] = img.data[i] > 127 ? 255 : 0;
  return { width: img.width, height: img.height, data: img.data };
}

/** A union mask at a smaller stored size, conservatively: a stored pixel is inside when any part of its area is. */
export async function toStoredMaskCovering(mask: Mask, size: { width: number; height: number }): Promise<Mask> {
  if (mask.width === size.width && mask.height === size.height) return mask;
  const img = await resizeImage({ width: mask.width, height: mask.height, channels: 1, data: mask.data }, size.width, size.height, 'linear');
  for (let i = 0; i < img.data.length; i++) img.data[i] = img.data[i] > 0 ? 255 : 0;
  return { width: img.width, height: img.height, data: img.data };
}

/** A stored frame back at the reference's size (restore --original-geometry, and the detector-size comparisons). */
export async function toReferenceSize(image: Image, width: number, height: number): Promise<Image> {
  if (image.width === width && image.height === height) return image;
  return resizeImage(image, width, height, 'lanczos3');
}

/** An image resized to exactly width x height (sharp; grey stays 1 channel). */
export async function resizeImage(image: Image, width: number, height: number, kernel: 'lanczos3' | 'nearest' | 'linear'): Promise<Image> {
  const resized = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).resize(width, height, { fit: 'fill', kernel });
  const { data, info } = await (image.channels === 1 ? resized.toColourspace('b-w') : resized)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== image.channels) throw new Error(`resize gave ${info.channels} channels, expected ${image.channels}`);
  return { width, height, channels: image.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
