// The union mask: the OR of every aligned object mask, grown by a margin, and the helpers that apply and
// measure it. The margin absorbs what the per-frame masks miss: residual misalignment, a segmentation that
// stops short of the outline, the soft edge of the object.
import { dilateDisc } from './align/morphology.ts';
import { boxAbove } from './align/raster.ts';
import type { Image, Mask } from './types.ts';

/** ORs masks of one size together, keeping only one mask in memory. */
export class UnionMaskBuilder {
  private union: Uint8Array | null = null;
  private width = 0;
  private height = 0;
  private count = 0;

  add(mask: Mask): void {
    this.or(mask);
    this.count++;
  }

  /** ORs in a union of `masks` masks built elsewhere (an align batch's partial union): the same result as adding
   * each of those masks, since OR is associative and idempotent. */
  addUnion(union: Mask, masks: number): void {
    if (!(Number.isInteger(masks) && masks >= 0)) throw new RangeError(`a union holds a whole number of masks, got ${masks}`);
    this.or(union);
    this.count += masks;
  }

  /** The union so far, not grown (0 or 255 per pixel; a copy), or null when nothing was added. */
  raw(): Mask | null {
    return this.union ? { width: this.width, height: this.height, data: this.union.slice() } : null;
  }

  private or(mask: Mask): void {
    if (!this.union) {
      this.width = mask.width;
      this.height = mask.height;
      this.union = new Uint8Array(mask.width * mask.height);
    } else if (mask.width !== this.width || mask.height !== this.height) {
      throw new RangeError(`mask is ${mask.width}x${mask.height} but the union is ${this.width}x${this.height}: masks must be aligned to one reference first`);
    }
    const u = this.union;
    const d = mask.data;
    for (let i = 0; i < u.length; i++) if (d[i] !== 0) u[i] = 255;
  }

  /** number of masks added so far */
  get size(): number {
    return this.count;
  }

  /** The union grown by a disc of `marginPx`. Throws when no mask was added. */
  finish(marginPx: number): Mask {
    if (!this.union) throw new RangeError('the union mask is empty: no mask was added');
    if (!(marginPx >= 0)) throw new RangeError(`margin must be a non-negative number of pixels, got ${marginPx}`);
    const data = dilateDisc(this.union, this.width, this.height, marginPx);
    return { width: this.width, height: this.height, data };
  }
}

/** The image with every pixel outside the mask set to 0 (all channels). */
export function applyMask(image: Image, mask: Mask): Image {
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new RangeError(`image is ${image.width}x${image.height} but the mask is ${mask.width}x${mask.height}`);
  }
  const out = new Uint8Array(image.data.length);
  const channels = image.channels;
  for (let i = 0, j = 0; i < mask.data.length; i++, j += channels) {
    if (mask.data[i] === 0) continue;
    for (let c = 0; c < channels; c++) out[j + c] = image.data[j + c];
  }
  return { width: image.width, height: image.height, channels, data: out };
}

/** Share of the mask's pixels that are set, 0..1. */
export function maskFraction(mask: Mask): number {
  let set = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) set++;
  return mask.data.length === 0 ? 0 : set / mask.data.length;
}

export interface MaskBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The bounding box of the set pixels, grown outward so that x, y, width and height are multiples of `align`
 * (a crop that 4:2:0 chroma subsampling can encode when align = 2), kept inside the frame. Null for an empty
 * mask. When the frame itself is not a multiple of `align`, the box may end at the frame's edge unaligned.
 */
export function maskBoundingBox(mask: Mask, align = 2): MaskBox | null {
  const { width, height } = mask;
  if (!(Number.isInteger(align) && align >= 1)) throw new RangeError(`align must be a positive integer, got ${align}`);
  const box = boxAbove(mask, 0);
  if (!box) return null;
  const { x0, y0, x1, y1 } = box;
  const left = Math.floor(x0 / align) * align;
  const top = Math.floor(y0 / align) * align;
  const right = Math.min(width, Math.ceil((x1 + 1) / align) * align);
  const bottom = Math.min(height, Math.ceil((y1 + 1) / align) * align);
  return { x: left, y: top, width: right - left, height: bottom - top };
}
