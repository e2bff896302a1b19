// Input geometry of the PaDiM protocol: resize to 256x256 (bilinear, sharp's 'linear' kernel; robust claims also
// use lanczos3), centre-crop 224, scale to [0,1], ImageNet mean/std, grey replicated to 3 channels. Masks take the
// same geometry with nearest whatever the image kernel.
import sharp from 'sharp';
import { InputImageError } from '../ground/errors.ts';

export const RESIZE_SIZE = 256;
export const CROP_SIZE = 224;
const CROP_OFFSET = (RESIZE_SIZE - CROP_SIZE) / 2;
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Image resize kernels of PROTOCOL.md: bilinear (the default) and lanczos3 (sharp's default; robust claims). */
export const RESIZE_KERNELS = ['linear', 'lanczos3'] as const;
export type ResizeKernel = (typeof RESIZE_KERNELS)[number];
export const DEFAULT_RESIZE_KERNEL: ResizeKernel = 'linear';

/** Pixels of one 224x224 crop, interleaved, 1 (grey) or 3 (RGB) channels, 8-bit. */
export interface CroppedImage {
  channels: 1 | 3;
  data: Uint8Array;
}

async function cropToProtocol(file: string, kernel: ResizeKernel | 'nearest', grey: boolean): Promise<CroppedImage> {
  let pipeline = sharp(file, { failOn: 'error' }).removeAlpha();
  if (grey) pipeline = pipeline.toColourspace('b-w');
  try {
    const { data, info } = await pipeline
      .resize(RESIZE_SIZE, RESIZE_SIZE, { kernel, fit: 'fill' })
      .extract({ left: CROP_OFFSET, top: CROP_OFFSET, width: CROP_SIZE, height: CROP_SIZE })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) {
      throw new Error(`unexpected ${info.channels} channels after removing alpha`);
    }
    return { channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new InputImageError(file, `cannot be read for evaluation: ${(error as Error).message}`);
  }
}

async function isGreyFile(file: string): Promise<boolean> {
  try {
    const { channels, hasAlpha } = await sharp(file).metadata();
    return channels - (hasAlpha ? 1 : 0) === 1;
  } catch (error) {
    throw new InputImageError(file, `cannot be read for evaluation: ${(error as Error).message}`);
  }
}

/**
 * Resized + centre-cropped pixels of an image file; grey stays one channel (sharp would otherwise expand it to
 * sRGB), colour stays RGB.
 */
export async function loadCroppedImage(file: string, kernel: ResizeKernel = DEFAULT_RESIZE_KERNEL): Promise<CroppedImage> {
  return cropToProtocol(file, kernel, await isGreyFile(file));
}

/**
 * Writes the normalised CHW float tensor of one cropped image into `target` at `offset`
 * (3 x 224 x 224 floats); a grey crop is replicated into all three channels.
 */
export function writeNormalisedChw(image: CroppedImage, target: Float32Array, offset: number): void {
  const plane = CROP_SIZE * CROP_SIZE;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * IMAGENET_STD[c]);
    const shift = IMAGENET_MEAN[c] / IMAGENET_STD[c];
    const source = image.channels === 1 ? 0 : c;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) {
      target[base + i] = image.data[i * image.channels + source] * scale - shift;
    }
  }
}

/** Ground-truth mask in the protocol's 224x224 crop (nearest resize): 1 = anomalous pixel, 0 = normal. */
export async function loadMaskCrop(file: string): Promise<Uint8Array> {
  const cropped = await cropToProtocol(file, 'nearest', true);
  const labels = new Uint8Array(cropped.data.length);
  for (let i = 0; i < labels.length; i++) labels[i] = cropped.data[i] > 127 ? 1 : 0;
  return labels;
}
