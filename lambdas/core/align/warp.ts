// Applying an alignment: images and masks resampled into the reference frame with OpenCV's warpAffine.
import { loadCv, type CV } from '../cv.ts';
import type { Affine, Image, Mask } from '../types.ts';

export interface WarpOptions {
  interpolation?: 'linear' | 'nearest';
  /** 'replicate' by default: a model trained on aligned-but-unmasked frames should not see black wedges */
  border?: 'replicate' | 'zero';
}

/** Resamples `image` into a width x height frame; `matrix` maps the image's pixels to the frame's. */
export async function warpImage(image: Image, matrix: Affine, width: number, height: number, opts: WarpOptions = {}): Promise<Image> {
  const cv = await loadCv();
  const data = await warpBytes(cv, image.data, image.width, image.height, image.channels, matrix, width, height, {
    interpolation: opts.interpolation === 'nearest' ? cv.INTER_NEAREST : cv.INTER_LINEAR,
    border: (opts.border ?? 'replicate') === 'replicate' ? cv.BORDER_REPLICATE : cv.BORDER_CONSTANT,
  });
  return { width, height, channels: image.channels, data };
}

/** Nearest-neighbour warp of a mask (stays binary), zero outside the source. */
export async function warpMask(mask: Mask, matrix: Affine, width: number, height: number): Promise<Mask> {
  const cv = await loadCv();
  const data = await warpBytes(cv, mask.data, mask.width, mask.height, 1, matrix, width, height, {
    interpolation: cv.INTER_NEAREST,
    border: cv.BORDER_CONSTANT,
  });
  return { width, height, data };
}

async function warpBytes(
  cv: CV,
  bytes: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  channels: 1 | 3,
  matrix: Affine,
  width: number,
  height: number,
  mode: { interpolation: number; border: number },
): Promise<Uint8Array> {
  if (!matrix.every(Number.isFinite)) throw new RangeError(`cannot warp with a non-finite matrix [${matrix.join(', ')}]`);
  const type = channels === 3 ? cv.CV_8UC3 : cv.CV_8UC1;
  const src = new cv.Mat(srcHeight, srcWidth, type);
  const dst = new cv.Mat();
  const m = cv.matFromArray(2, 3, cv.CV_64FC1, matrix);
  try {
    src.data.set(bytes);
    cv.warpAffine(src, dst, m, new cv.Size(width, height), mode.interpolation, mode.border, new cv.Scalar(0, 0, 0, 0));
    return new Uint8Array(dst.data);
  } finally {
    src.delete();
    dst.delete();
    m.delete();
  }
}
