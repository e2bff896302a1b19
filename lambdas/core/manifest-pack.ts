// The packed forms of a manifest. Both hold the manifest document (the same document as version 2) with its
// per-frame records turned into columns (`frameTable`), brotli-compressed; packing is lossless: unpacking gives back
// exactly the document that was packed, and the digest (manifest.ts) is checked on that unpacked document. The
// columns are the part that grows with the dataset; similar values side by side is what lets brotli shrink them.
// - Version 4 (written now): a binary file (manifest.bin): the header line `adreel.manifest 4\n` (schema and version,
//   readable with `head -1`), the sha256 of the payload (32 bytes), then the payload: the brotli bytes as they are.
//   The sha256 refuses any damaged byte of the payload, including damage brotli would decode to the same document
//   (brotli carries no checksum and ignores bytes after its end).
// - Version 3: a one-line JSON envelope {schema, version, encoding, document} whose document is the brotli bytes in
//   Z85 text (25% larger than the bytes: why version 4 exists).
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { IntegrityError } from '../ground/errors.ts';
import { stemOf } from './dataset.ts';

/** The manifest's schema name (manifest.ts re-exports it): the `schema` field, and the start of a binary file's header. */
export const MANIFEST_SCHEMA = 'adreel.manifest';
export const PACKED_ENCODING = 'brotli-z85';
/** a packed document never needs more than this unpacked (guards the decompressor against a hostile file) */
const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;
/** A binary manifest file starts with this, then its version in decimal and a newline. */
export const MANIFEST_FILE_MAGIC = `${MANIFEST_SCHEMA} `;
const HEADER_MAX = MANIFEST_FILE_MAGIC.length + 8;
const PAYLOAD_SHA256_BYTES = 32;

type Json = Record<string, unknown>;
type Row = Json & { index?: unknown; source: Json; transform: number[] | null; alignment: Json | null };
const SOURCE_KEYS = ['width', 'height', 'mode', 'format', 'bitDepth', 'hadAlpha', 'exifOrientation'] as const;
const FIGURE_KEYS = ['score', 'silhouetteIou', 'ncc', 'method', 'ok'] as const;
const FRAME_KEYS = new Set(['index', 'name', 'stem', 'source', 'transform', 'alignment']);

/** The brotli bytes of a sealed manifest document, frames as columns. */
function packDocument(doc: Json): Buffer {
  const { frames, ...rest } = doc as Json & { frames: Row[] };
  const packed = { ...rest, frameTable: framesToTable(frames) };
  return brotliCompressSync(Buffer.from(JSON.stringify(packed)), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
  });
}

/** The document inside packed bytes (frames as records again); `header` is what the framing says it holds. */
function unpackDocument(bytes: Buffer, header: { schema: unknown; version: unknown }, [what, container]: [string, string], file: string): Json {
  let packed: Json;
  try {
    packed = JSON.parse(brotliDecompressSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES }).toString('utf8')) as Json;
  } catch (err) {
    throw new IntegrityError(file, `${what} does not unpack (${(err as Error).message}): truncated, edited or damaged`);
  }
  if (typeof packed !== 'object' || packed === null || Array.isArray(packed)) throw new IntegrityError(file, `${what} does not hold a JSON object: edited or damaged`);
  if (packed.schema !== header.schema || packed.version !== header.version) {
    throw new IntegrityError(file, `the ${container} says ${JSON.stringify(header.schema)} version ${JSON.stringify(header.version)} but the document ${JSON.stringify(packed.schema)} version ${JSON.stringify(packed.version)}: edited or damaged`);
  }
  const { frameTable, ...rest } = packed;
  if ('frames' in rest) throw new IntegrityError(file, 'the packed document lists "frames" as records: edited or damaged');
  return { ...rest, frames: tableToFrames(frameTable, file) };
}

/** The bytes of a binary manifest file (version 4 on) for a sealed manifest document (plain JSON, frames as records). */
export function packManifestFile(doc: Json): Buffer {
  if (!Number.isInteger(doc.version)) throw new IntegrityError('manifest being written', `has no integer version (${JSON.stringify(doc.version)})`);
  const payload = packDocument(doc);
  return Buffer.concat([Buffer.from(`${MANIFEST_FILE_MAGIC}${doc.version}\n`, 'latin1'), createHash('sha256').update(payload).digest(), payload]);
}

/**
 * The version a binary manifest file's header line states, or undefined when `bytes` do not start like one (a JSON
 * manifest of version 1-3, or a foreign file). The version is not checked here (manifest.ts knows which are read).
 */
export function manifestFileVersion(bytes: Uint8Array): number | undefined {
  const head = Buffer.from(bytes.subarray(0, HEADER_MAX)).toString('latin1');
  if (!head.startsWith(MANIFEST_FILE_MAGIC)) return undefined;
  const m = /^([1-9][0-9]{0,6})\n/.exec(head.slice(MANIFEST_FILE_MAGIC.length));
  return m ? Number(m[1]) : undefined;
}

/** The manifest document inside a binary manifest file (frames as records again), not yet validated nor digest-checked. */
export function unpackManifestFile(bytes: Buffer, file: string): Json {
  const version = manifestFileVersion(bytes);
  if (version === undefined) throw new IntegrityError(file, `does not start with the line "${MANIFEST_FILE_MAGIC}<version>": not an adreel manifest, or a damaged one`);
  const start = Buffer.byteLength(`${MANIFEST_FILE_MAGIC}${version}\n`);
  const recorded = bytes.subarray(start, start + PAYLOAD_SHA256_BYTES);
  const payload = bytes.subarray(start + PAYLOAD_SHA256_BYTES);
  if (recorded.length < PAYLOAD_SHA256_BYTES || payload.length === 0) throw new IntegrityError(file, `is ${bytes.length} bytes, too short for a version ${version} manifest: truncated or damaged`);
  const actual = createHash('sha256').update(payload).digest();
  if (!actual.equals(recorded)) {
    throw new IntegrityError(file, `the packed document's sha256 ${actual.toString('hex').slice(0, 16)}... differs from the header's ${recorded.toString('hex').slice(0, 16)}...: truncated, edited or damaged`);
  }
  return unpackDocument(payload, { schema: MANIFEST_SCHEMA, version }, ['the packed document', 'header'], file);
}

/** The version 3 envelope for a sealed manifest document (plain JSON, frames as records): read, no longer written. */
export function packManifest(doc: Json): Json {
  return { schema: doc.schema, version: doc.version, encoding: PACKED_ENCODING, document: z85Encode(packDocument(doc)) };
}

/** The manifest document inside a version 3 envelope (frames as records again), not yet validated nor digest-checked. */
export function unpackManifest(envelope: unknown, file: string): Json {
  const e = envelope as Json;
  const extra = Object.keys(e).filter((k) => !['schema', 'version', 'encoding', 'document'].includes(k));
  if (extra.length) throw new IntegrityError(file, `version ${e.version} manifest has unexpected top-level field(s) ${extra.join(', ')}: edited or damaged`);
  if (e.encoding !== PACKED_ENCODING) throw new IntegrityError(file, `"encoding" is ${JSON.stringify(e.encoding)}, expected "${PACKED_ENCODING}": edited or damaged`);
  const bytes = typeof e.document === 'string' ? z85Decode(e.document) : undefined;
  if (!bytes) throw new IntegrityError(file, '"document" is not Z85 text: edited or damaged');
  return unpackDocument(bytes, { schema: e.schema, version: e.version }, ['"document"', 'envelope'], file);
}

interface FrameTable {
  count: number;
  name: unknown[];
  /** null: every stem is its name without the extension (dataset.ts stemOf) */
  stem: unknown[] | null;
  source: Record<string, unknown[] | null>;
  /** 'similarity': columns a, c, tx, ty of the matrix [a, -c, tx, c, a, ty]; 'affine': the six entries; null = none */
  transform: { kind: 'similarity' | 'affine'; columns: (number | null)[][] };
  alignment: Record<string, unknown[]> & { outlier: [number, number, number][] };
}

function framesToTable(frames: Row[]): FrameTable {
  frames.forEach((f, i) => {
    const unknown = Object.keys(f).filter((k) => !FRAME_KEYS.has(k));
    if (unknown.length) throw new IntegrityError('manifest being written', `frames[${i}] has field(s) ${unknown.join(', ')} that a packed manifest cannot hold`);
    if (f.index !== i) throw new IntegrityError('manifest being written', `frames[${i}].index is ${String(f.index)}, expected ${i}`);
    const extraSource = Object.keys(f.source).filter((k) => !(SOURCE_KEYS as readonly string[]).includes(k));
    if (extraSource.length) throw new IntegrityError('manifest being written', `frames[${i}].source has field(s) ${extraSource.join(', ')} that a packed manifest cannot hold`);
  });
  const similarity = frames.every((f) => !f.transform || (f.transform[0] === f.transform[4] && f.transform[1] === -f.transform[3]));
  const picks = similarity ? [0, 3, 2, 5] : [0, 1, 2, 3, 4, 5];
  const source: Record<string, unknown[] | null> = {};
  for (const k of SOURCE_KEYS) {
    const column = frames.map((f) => f.source[k] ?? null);
    // an optional field absent everywhere is one null, not a column of them
    source[k] = k === 'exifOrientation' && column.every((v) => v === null) ? null : column;
  }
  const alignment: FrameTable['alignment'] = { outlier: [] } as unknown as FrameTable['alignment'];
  for (const k of FIGURE_KEYS) alignment[k] = frames.map((f) => (f.alignment ? f.alignment[k] : null));
  frames.forEach((f, i) => {
    const extra = f.alignment ? Object.keys(f.alignment).filter((k) => !(FIGURE_KEYS as readonly string[]).includes(k) && k !== 'outlier') : [];
    if (extra.length) throw new IntegrityError('manifest being written', `frames[${i}].alignment has field(s) ${extra.join(', ')} that a packed manifest cannot hold`);
    const o = f.alignment?.outlier as { value: number; margin: number } | undefined;
    if (o) alignment.outlier.push([i, o.value, o.margin]);
  });
  return {
    count: frames.length,
    name: frames.map((f) => f.name),
    stem: frames.every((f) => typeof f.name === 'string' && f.stem === stemOf(f.name)) ? null : frames.map((f) => f.stem),
    source,
    transform: { kind: similarity ? 'similarity' : 'affine', columns: picks.map((j) => frames.map((f) => (f.transform ? f.transform[j] : null))) },
    alignment,
  };
}

function tableToFrames(table: unknown, file: string): Json[] {
  const bad = (what: string): never => {
    throw new IntegrityError(file, `the packed frame table ${what}: edited or damaged`);
  };
  if (typeof table !== 'object' || table === null) bad('is missing');
  const t = table as FrameTable;
  const n = t.count;
  if (!Number.isInteger(n) || n < 0) bad('has no frame count');
  const column = (c: unknown, what: string): unknown[] => {
    if (!Array.isArray(c) || c.length !== n) bad(`column ${what} does not hold ${n} values`);
    return c as unknown[];
  };
  const names = column(t.name, 'name');
  const stems = t.stem === null ? names.map((name) => (typeof name === 'string' ? stemOf(name) : bad('has a name that is not a string'))) : column(t.stem, 'stem');
  if (typeof t.source !== 'object' || t.source === null) bad('has no source columns');
  const source = Object.fromEntries(SOURCE_KEYS.map((k) => [k, k === 'exifOrientation' && t.source[k] === null ? null : column(t.source[k], `source.${k}`)]));
  if (Object.keys(t.source).length !== SOURCE_KEYS.length) bad('has unexpected source columns');
  const kind = t.transform?.kind;
  if (kind !== 'similarity' && kind !== 'affine') bad('has no transform kind');
  const tc = t.transform.columns;
  if (!Array.isArray(tc) || tc.length !== (kind === 'similarity' ? 4 : 6)) bad('has the wrong number of transform columns');
  tc.forEach((c, j) => column(c, `transform[${j}]`));
  if (typeof t.alignment !== 'object' || t.alignment === null) bad('has no alignment columns');
  const figures = Object.fromEntries(FIGURE_KEYS.map((k) => [k, column(t.alignment[k], `alignment.${k}`)]));
  const outliers = new Map<number, { value: unknown; margin: unknown }>();
  if (!Array.isArray(t.alignment.outlier)) bad('has no outlier list');
  for (const o of t.alignment.outlier) {
    if (!Array.isArray(o) || o.length !== 3 || !Number.isInteger(o[0]) || o[0] < 0 || o[0] >= n || outliers.has(o[0])) bad('has a malformed outlier entry');
    outliers.set(o[0], { value: o[1], margin: o[2] });
  }
  const frames: Json[] = [];
  for (let i = 0; i < n; i++) {
    const src: Json = {};
    for (const k of SOURCE_KEYS) {
      const v = source[k] === null ? null : (source[k] as unknown[])[i];
      if (v !== null) src[k] = v;
    }
    let transform: unknown[] | null = null;
    const at = tc.map((c) => c[i]);
    if (at.every((v) => v === null)) transform = null;
    else if (at.some((v) => typeof v !== 'number')) bad(`has a partial transform for frame ${i}`);
    else if (kind === 'similarity') {
      const [a, c, tx, ty] = at as number[];
      transform = [a, c === 0 ? 0 : -c, tx, c, a, ty];
    } else transform = at;
    let alignment: Json | null = null;
    if (figures.score[i] !== null) {
      alignment = Object.fromEntries(FIGURE_KEYS.map((k) => [k, figures[k][i]]));
      const o = outliers.get(i);
      if (o) alignment.outlier = o;
    } else if (FIGURE_KEYS.some((k) => figures[k][i] !== null) || outliers.has(i)) bad(`has a partial alignment record for frame ${i}`);
    frames.push({ index: i, name: names[i], stem: stems[i], source: src, transform, alignment });
  }
  return frames;
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_VALUE = new Map([...Z85].map((c, i) => [c, i]));

/** Z85 of `bytes`; a last group of n < 4 bytes is padded with zeros and written as its first n + 1 characters. */
export function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const n = Math.min(4, bytes.length - i);
    let v = 0;
    for (let k = 0; k < 4; k++) v = v * 256 + (k < n ? bytes[i + k] : 0);
    const group = new Array<string>(5);
    for (let k = 4; k >= 0; k--) {
      group[k] = Z85[v % 85];
      v = Math.floor(v / 85);
    }
    out += group.slice(0, n + 1).join('');
  }
  return out;
}

/** The bytes of a z85Encode text, or undefined when it is not one. */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 === 1) return undefined;
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 5) {
    const chars = text.slice(i, i + 5);
    const n = chars.length - 1;
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const d = k < chars.length ? Z85_VALUE.get(chars[k]) : 84; // pad with the highest digit: rounds up into the group
      if (d === undefined) return undefined;
      v = v * 85 + d;
    }
    if (v > 0xffffffff) return undefined;
    for (let k = 0; k < n; k++) out.push(Math.floor(v / 256 ** (3 - k)) % 256);
  }
  return Buffer.from(out);
}
