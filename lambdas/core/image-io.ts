// Reading and writing images with sharp. Everything the core sees is an 8-bit `Image`: grey (1 channel) when the
// source is single-channel, else RGB (3 channels). Anything that had to be changed to get there (alpha, 16 bits,
// EXIF rotation, a forced colour mode) is reported as a warning naming the file; anything unreadable is an
// InputImageError naming the file.
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InputImageError } from '../ground/errors.ts';
import type { Image, Mask, SourceInfo } from './types.ts';
import { isPackedMask, unpackMask } from './mask-pack.ts';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];

/** sharp's names of the formats we accept (it can read more, e.g. SVG and GIF, which are not photographs). */
const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'tiff', 'webp']);

/**
 * Largest image we decode: 100 megapixels. A decompression-bomb guard: a 100 MP RGB frame is 300 MB raw and the
 * pipeline holds several per-frame buffers (decoded, aligned, mask, float warps) at once, so past this a Lambda
 * (10 GB at most) or the 2-core development machine runs out of memory long before producing anything useful.
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodedImage {
  image: Image;
  info: SourceInfo;
  warnings: string[];
}

export interface DecodeOptions {
  /** refuse images with more pixels than this (checked from the header, before decoding) */
  maxPixels?: number;
  /** force the colour model of the result (the pipeline forces every frame to the dataset's mode) */
  mode?: 'grey' | 'rgb';
}

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** sharp's sample formats we read: unsigned 8- and 16-bit integers (float or signed TIFFs have no fixed scale). */
const BITS_PER_SAMPLE: Readonly<Record<string, 8 | 16>> = { uchar: 8, ushort: 16 };

const ORIENTATION_NAMES: Readonly<Record<number, string>> = {
  2: 'mirrored horizontally',
  3: 'rotated 180 degrees',
  4: 'mirrored vertically',
  5: 'mirrored and rotated 90 degrees',
  6: 'rotated 90 degrees clockwise',
  7: 'mirrored and rotated 270 degrees',
  8: 'rotated 90 degrees counter-clockwise',
};

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Decodes PNG, JPEG, TIFF or WebP bytes into an 8-bit grey or RGB image; see the file comment for the rules. */
export async function decodeImage(bytes: Buffer, name: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) throw new InputImageError(name, 'zero-byte file, not an image');

  // Header only: cheap, and lets the pixel limit be reported with the numbers before anything is decoded.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InputImageError(name, `not a readable image (${reasonOf(error)})`);
  }
  if (!ACCEPTED_FORMATS.has(meta.format)) {
    throw new InputImageError(name, `format "${meta.format}" is not supported (use PNG, JPEG, TIFF or WebP)`);
  }
  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) {
    throw new InputImageError(
      name,
      `${meta.width}x${meta.height} = ${pixels} pixels exceeds the limit of ${maxPixels} pixels`,
    );
  }

  const bitDepth = BITS_PER_SAMPLE[meta.depth];
  if (bitDepth === undefined) {
    throw new InputImageError(name, `"${meta.depth}" samples are not supported (8- or 16-bit unsigned integers only)`);
  }
  const warnings: string[] = [];
  const sourceChannels = meta.channels - (meta.hasAlpha ? 1 : 0);
  const sourceIsGrey = sourceChannels === 1;

  // limitInputPixels again as a guard: the header check above already gave the user the numbers.
  let pipeline = sharp(bytes, { limitInputPixels: maxPixels });
  const orientation = meta.orientation;
  const exifOrientation = orientation !== undefined && orientation >= 1 && orientation <= 8 ? orientation : undefined;
  if (exifOrientation !== undefined && exifOrientation !== 1) {
    pipeline = pipeline.autoOrient();
    warnings.push(
      `${name}: EXIF Orientation tag (0x0112) = ${exifOrientation} applied: image ${ORIENTATION_NAMES[exifOrientation]}`,
    );
  }
  if (meta.hasAlpha) {
    pipeline = pipeline.flatten({ background: '#000000' });
    warnings.push(`${name}: alpha channel flattened onto black (transparent pixels became black)`);
  }
  if (bitDepth !== 8) {
    warnings.push(`${name}: ${bitDepth}-bit samples converted to 8-bit (lossy: 65536 levels reduced to 256)`);
  }
  if (meta.space === 'cmyk') {
    warnings.push(`${name}: CMYK converted to RGB${meta.hasProfile ? ' with its ICC profile' : ' (no ICC profile: colours approximate)'}`);
  }
  if ((meta.pages ?? 1) > 1) {
    warnings.push(`${name}: ${meta.pages} pages/frames, only the first is used`);
  }
  // 'b-w' keeps 8-bit grey bit-exact and scales 16-bit grey to 8 bits; 'srgb' does the same for colour and
  // converts CMYK (with its profile, if any) to RGB.
  pipeline = pipeline.toColourspace(sourceIsGrey ? 'b-w' : 'srgb');

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InputImageError(name, `corrupt or truncated ${meta.format} data (${reasonOf(error)})`);
  }
  let image = toImage(decoded.data, decoded.info, name);

  // Optimisers often store grey images as palette PNGs; when every entry is grey nothing is lost reading it as grey.
  if (meta.isPalette && image.channels === 3 && isNeutral(image)) {
    image = imageToGrey(image);
    warnings.push(`${name}: palette image whose colours are all grey, read as 8-bit grey`);
  }

  if (opts.mode === 'grey' && image.channels === 3) {
    const lossless = isNeutral(image);
    image = imageToGrey(image);
    warnings.push(
      `${name}: colour image converted to grey to match the dataset` +
        (lossless ? ' (all pixels were grey: nothing lost)' : ' (lossy: colour dropped, luma kept)'),
    );
  } else if (opts.mode === 'rgb' && image.channels === 1) {
    image = greyToRgb(image);
    warnings.push(`${name}: grey image expanded to RGB to match the dataset`);
  }

  const info: SourceInfo = {
    // The oriented size, i.e. the size of `image`: restore writes this size back.
    width: image.width,
    height: image.height,
    mode: image.channels === 1 ? 'grey' : 'rgb',
    format: meta.format,
    bitDepth,
    hadAlpha: meta.hasAlpha,
  };
  if (exifOrientation !== undefined) info.exifOrientation = exifOrientation;
  return { image, info, warnings };
}

function toImage(data: Buffer, info: OutputInfo, name: string): Image {
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (info.channels === 1 || info.channels === 3) {
    return { width: info.width, height: info.height, channels: info.channels, data: pixels };
  }
  throw new InputImageError(name, `decoded to ${info.channels} channels, expected 1 or 3`);
}

/** True when every pixel has R = G = B, i.e. converting to grey loses nothing. */
function isNeutral(image: Image): boolean {
  const { data } = image;
  for (let i = 0; i < data.length; i += 3) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

function greyToRgb(image: Image): Image {
  const pixelCount = image.width * image.height;
  const rgb = new Uint8Array(pixelCount * 3);
  for (let p = 0; p < pixelCount; p++) {
    const v = image.data[p]!;
    rgb[3 * p] = v;
    rgb[3 * p + 1] = v;
    rgb[3 * p + 2] = v;
  }
  return { width: image.width, height: image.height, channels: 3, data: rgb };
}

/**
 * Rec. 601 luma in 16-bit fixed point. The weights sum to exactly 65536, so a grey pixel (R = G = B = v) maps
 * to v: converting an RGB file of a grey image is lossless. A grey image is returned as it is.
 */
export function imageToGrey(image: Image): Image {
  if (image.channels === 1) return image;
  const pixelCount = image.width * image.height;
  const grey = new Uint8Array(pixelCount);
  const { data } = image;
  for (let p = 0, i = 0; p < pixelCount; p++, i += 3) {
    grey[p] = (19595 * data[i]! + 38470 * data[i + 1]! + 7471 * data[i + 2]! + 32768) >> 16;
  }
  return { width: image.width, height: image.height, channels: 1, data: grey };
}

/** PNG of an Image: grey as a 1-channel grey PNG, RGB as RGB; decodeImage gives back the same pixels. */
export async function encodePng(image: Image): Promise<Buffer> {
  const expected = image.width * image.height * image.channels;
  if (image.data.length !== expected) {
    throw new Error(`encodePng: ${image.data.length} bytes for ${image.width}x${image.height}x${image.channels}`);
  }
  const raw = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  // Without 'b-w' sharp writes a 1-channel raw input as an RGB PNG.
  return (image.channels === 1 ? raw.toColourspace('b-w') : raw).png().toBuffer();
}

/** Any readable image as a binary mask: pixels whose grey value is above 127 are object (255), the rest 0. */
/** A binary mask (0 / 255) from a PNG or a packed mask (mask-pack.ts, the published masks since manifest v3 outputs of issue 14). */
export async function decodeMask(bytes: Buffer, name: string): Promise<Mask> {
  if (isPackedMask(bytes)) return unpackMask(bytes, name);
  const { image } = await decodeImage(bytes, name, { mode: 'grey' });
  const mask = new Uint8Array(image.data.length);
  for (let i = 0; i < mask.length; i++) mask[i] = image.data[i]! > 127 ? 255 : 0;
  return { width: image.width, height: image.height, data: mask };
}

/** A binary mask as a 1-bit palette PNG (a few hundred bytes for a smooth shape); decodeMask reads it back exactly. */
export async function encodeMaskPng(mask: Mask): Promise<Buffer> {
  return sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ palette: true, colours: 2, compressionLevel: 9 })
    .toBuffer();
}
