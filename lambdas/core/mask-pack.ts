// The stored form of the two published binary masks (the union mask and the reference's object mask): each row as
// the x positions where the mask turns on or off, written as the change from the row above when the row has as many
// transitions (a smooth shape moves its edges by a pixel or two a row), varints, brotli. A 1-bit PNG codes the same
// edges pixel by pixel; this is about a third of its bytes (bench/overhead.ts). Lossless: unpackMask(packMask(m))
// gives back m exactly (0 / 255). Frames, test images and ground-truth masks stay PNG: only these two files use it.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { IntegrityError } from '../ground/errors.ts';
import type { Mask } from './types.ts';

/** the first bytes of a packed mask ("adreel mask", format 1) */
const MAGIC = Buffer.from('ADRM\x01', 'latin1');
/** a packed mask never unpacks to more than this (guards the decompressor against a hostile file) */
const MAX_SIDE = 1 << 15;

export function isPackedMask(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && Buffer.from(bytes.subarray(0, MAGIC.length)).equals(MAGIC);
}

function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

const zigzag = (d: number) => (d < 0 ? -2 * d - 1 : 2 * d);
const unzigzag = (z: number) => (z & 1 ? -(z + 1) / 2 : z / 2);

/** The row's transitions: x of each off->on and on->off edge (the last at `width` when the row ends inside). */
function rowEdges(mask: Mask, y: number): number[] {
  const edges: number[] = [];
  let on = false;
  for (let x = 0; x < mask.width; x++) {
    if ((mask.data[y * mask.width + x] !== 0) !== on) {
      edges.push(x);
      on = !on;
    }
  }
  if (on) edges.push(mask.width);
  return edges;
}

export function packMask(mask: Mask): Buffer {
  const body: number[] = [];
  let above: number[] = [];
  for (let y = 0; y < mask.height; y++) {
    const edges = rowEdges(mask, y);
    pushVarint(body, edges.length);
    if (edges.length === above.length) edges.forEach((x, i) => pushVarint(body, zigzag(x - above[i])));
    else edges.forEach((x, i) => pushVarint(body, x - (i ? edges[i - 1] : 0)));
    above = edges;
  }
  const header: number[] = [];
  pushVarint(header, mask.width);
  pushVarint(header, mask.height);
  const packed = brotliCompressSync(Buffer.from(body), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  return Buffer.concat([MAGIC, Buffer.from(header), packed]);
}

/** The mask of a packMask file; `name` is the file named in the one-line error when the bytes are not one. */
export function unpackMask(bytes: Uint8Array, name: string): Mask {
  const bad = (why: string): never => {
    throw new IntegrityError(name, `not a packed adreel mask (${why}): truncated, edited or damaged`);
  };
  if (!isPackedMask(bytes)) bad('wrong leading bytes');
  let at = MAGIC.length;
  const read = (buf: Uint8Array): number => {
    let v = 0;
    for (let shift = 1; ; shift *= 0x80) {
      if (at >= buf.length || shift > 0x80 ** 4) bad('a number runs past the end');
      const b = buf[at++];
      v += (b & 0x7f) * shift;
      if (b < 0x80) return v;
    }
  };
  const width = read(bytes);
  const height = read(bytes);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) bad(`size ${width}x${height}`);
  let body: Buffer;
  try {
    // every row costs at least one byte, and at most width + 1 edges of 3 bytes each
    body = brotliDecompressSync(bytes.subarray(at), { maxOutputLength: height * (1 + 3 * (width + 1)) });
  } catch (err) {
    return bad(`does not unpack: ${(err as Error).message}`);
  }
  at = 0;
  const data = new Uint8Array(width * height);
  let above: number[] = [];
  for (let y = 0; y < height; y++) {
    const count = read(body);
    if (count % 2 || count > width + 1) bad(`row ${y} has ${count} edges`);
    const edges: number[] = [];
    for (let i = 0; i < count; i++) {
      const v = read(body);
      edges.push(count === above.length ? above[i] + unzigzag(v) : (i ? edges[i - 1] : 0) + v);
    }
    for (let i = 0; i < count; i += 2) {
      const [from, to] = [edges[i], edges[i + 1]];
      if (!(from >= 0 && to > from && to <= width && (i === 0 || from > edges[i - 1]))) bad(`row ${y} has edges out of order`);
      data.fill(255, y * width + from, y * width + to);
    }
    above = edges;
  }
  if (at !== body.length) bad('bytes after the last row');
  return { width, height, data };
}
