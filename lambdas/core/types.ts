// Shared value types of the core. Nothing here knows about AWS or the filesystem.

/** An 8-bit image, pixels interleaved row-major (grey: 1 channel, colour: 3 channels RGB). */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** A binary mask, one byte per pixel: 0 = background, 255 = object. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A 2x3 affine matrix [a, b, tx, c, d, ty], row-major, mapping a point (x, y) of the SOURCE image to
 * (a*x + b*y + tx, c*x + d*y + ty) in REFERENCE coordinates (OpenCV's warpAffine convention with the forward map).
 * For a similarity: a = d = s*cos(theta), c = -b = s*sin(theta).
 */
export type Affine = [number, number, number, number, number, number];

/** What an image looked like on disk, kept in the manifest so restore can give it back. */
export interface SourceInfo {
  width: number;
  height: number;
  /** colour model of the stored frames */
  mode: 'grey' | 'rgb';
  format: string;
  /** bits per sample on disk (8 or 16) */
  bitDepth: number;
  hadAlpha: boolean;
  /** EXIF orientation tag (1..8) that was applied when reading, if any */
  exifOrientation?: number;
}
