// Single-channel raster helpers shared by the aligner and the segmenter: luminance, and OpenCV-backed resize /
// blur / gradients on plain typed arrays (the Mats live only inside each call).
import { loadCv, type CV } from '../cv.ts';
import type { Image, Mask } from '../types.ts';

/** A single-channel float raster, row-major. */
export interface FloatPlane {
  width: number;
  height: number;
  data: Float32Array;
}

/** One byte per pixel: the image itself when grey, Rec.601 luminance when colour. */
export function luminance(image: Image): Uint8Array {
  if (image.channels === 1) return image.data;
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  const d = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = Math.round(0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2]);
  }
  return out;
}

export function planeFromBytes(width: number, height: number, bytes: Uint8Array, scale = 1): FloatPlane {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = bytes[i] * scale;
  return { width, height, data };
}

/** A mask as a 0 / 1 plane (any nonzero byte is inside). */
export function planeFromMask(mask: Mask): FloatPlane {
  const data = new Float32Array(mask.width * mask.height);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] !== 0 ? 1 : 0;
  return { width: mask.width, height: mask.height, data };
}

function matFromPlane(cv: CV, plane: FloatPlane): CV {
  const mat = new cv.Mat(plane.height, plane.width, cv.CV_32FC1);
  mat.data32F.set(plane.data);
  return mat;
}

function planeFromMat(mat: CV): FloatPlane {
  return { width: mat.cols, height: mat.rows, data: new Float32Array(mat.data32F) };
}

/** Area-averaged downscale to exactly width x height (pixel centres as OpenCV places them). */
export async function resizePlane(plane: FloatPlane, width: number, height: number): Promise<FloatPlane> {
  if (width === plane.width && height === plane.height) return { ...plane, data: plane.data.slice() };
  const cv = await loadCv();
  const src = matFromPlane(cv, plane);
  const dst = new cv.Mat();
  try {
    const interpolation = width < plane.width ? cv.INTER_AREA : cv.INTER_LINEAR;
    cv.resize(src, dst, new cv.Size(width, height), 0, 0, interpolation);
    return planeFromMat(dst);
  } finally {
    src.delete();
    dst.delete();
  }
}

export async function gaussianBlurPlane(plane: FloatPlane, sigma: number): Promise<FloatPlane> {
  if (sigma <= 0) return { ...plane, data: plane.data.slice() };
  const cv = await loadCv();
  const src = matFromPlane(cv, plane);
  const dst = new cv.Mat();
  try {
    const k = 2 * Math.ceil(3 * sigma) + 1;
    cv.GaussianBlur(src, dst, new cv.Size(k, k), sigma, sigma, cv.BORDER_REPLICATE);
    return planeFromMat(dst);
  } finally {
    src.delete();
    dst.delete();
  }
}

/** Central-difference gradients (Scharr would over-weight the thread edges; plain differences suffice);
 *  one-sided differences on the frame's edge. */
export function gradients(plane: FloatPlane): { gx: Float32Array; gy: Float32Array } {
  const { width: w, height: h, data } = plane;
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    if (w > 1) {
      gx[row] = data[row + 1] - data[row];
      gx[row + w - 1] = data[row + w - 1] - data[row + w - 2];
    }
    for (let i = row + 1, end = row + w - 1; i < end; i++) gx[i] = (data[i + 1] - data[i - 1]) * 0.5;
  }
  if (h > 1) {
    for (let x = 0; x < w; x++) {
      gy[x] = data[w + x] - data[x];
      gy[(h - 1) * w + x] = data[(h - 1) * w + x] - data[(h - 2) * w + x];
    }
  }
  for (let i = w, end = (h - 1) * w; i < end; i++) gy[i] = (data[i + w] - data[i - w]) * 0.5;
  return { gx, gy };
}

/** Bilinear sample with replicated borders. */
export function sampleBilinear(data: Float32Array, width: number, height: number, x: number, y: number): number {
  if (x < 0) x = 0;
  else if (x > width - 1) x = width - 1;
  if (y < 0) y = 0;
  else if (y > height - 1) y = height - 1;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = x0 < width - 1 ? x0 + 1 : x0;
  const y1 = y0 < height - 1 ? y0 + 1 : y0;
  const fx = x - x0;
  const fy = y - y0;
  const r0 = y0 * width;
  const r1 = y1 * width;
  const top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * fx;
  const bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * fx;
  return top + (bottom - top) * fy;
}

/** Inclusive pixel box. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The box of the pixels above `level` (a float plane, or a 0/255 mask with level 0), or null when there are none. */
export function boxAbove(plane: { width: number; height: number; data: ArrayLike<number> }, level = 0.5): Box | null {
  const { width, height, data } = plane;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] > level) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}
