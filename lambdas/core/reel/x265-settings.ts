// What x265 actually ran with. x265 writes its whole settings string ("x265 (build N) - <version>:... - options:
// k=v flag no-flag ...") into a user-data SEI message of the first access unit; reading it back from the encoded file
// (not from the arguments adreel passed) is what lets the manifest describe the reel, and lets the encoder refuse a
// reel whose settings x265 changed behind the request (it silently adjusts values that conflict with others, e.g.
// max-tu-size to fit ctu). x265 does not record its preset's name: the preset stays the requested one.
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { EncoderError } from '../../ground/errors.ts';

const MARKER = Buffer.from('x265 (build ');
const OPTIONS = ' - options: ';
const CHUNK = 1 << 16;
/** the settings string is a few kB; a longer run without its NUL terminator is not x265's SEI */
const MAX_SEI_BYTES = 64 * 1024;

/** x265 input colour spaces (X265_CSP_*), by the number the settings string prints */
const CSP = ['i400', 'i420', 'i422', 'i444'] as const;

const positiveInt = z.number().int().positive();

/** The compact record of the effective settings kept in the manifest (codec.effective), one per reel. */
export const EffectiveX265Schema = z.strictObject({
  /** x265's version, from the SEI */
  x265: z.string().min(1),
  /** rate control: crf, cqp (lossless reels), abr ... */
  rc: z.string().min(1),
  crf: z.number().optional(),
  qp: z.number().optional(),
  lossless: z.boolean(),
  bitDepth: positiveInt,
  csp: z.enum(CSP),
  /** the frame rate rate control assumed */
  fps: z.number().positive(),
  keyint: positiveInt,
  minKeyint: z.number().int().nonnegative(),
  openGop: z.boolean(),
  frameThreads: positiveInt,
  /** numa-pools as x265 printed it; absent when the thread pool was left to x265 */
  pools: z.string().min(1).optional(),
  /** the extra x265 parameters asked for, as x265 reports it used them (keys it does not print are left out) */
  params: z.record(z.string(), z.string()).optional(),
});
export type EffectiveX265 = z.output<typeof EffectiveX265Schema>;

/** The parsed settings string: x265's version and every option, bare flags as "1" and no-flags as "0". */
export interface X265Settings {
  version: string;
  options: Map<string, string>;
}

/** Reads x265's settings SEI from an encoded file (elementary stream or MP4; it sits in the first access unit). */
export async function readX265Settings(file: string): Promise<X265Settings> {
  const text = await findSeiText(file);
  if (text === undefined) throw new EncoderError('the encoded stream carries no x265 settings message (SEI), so what the encoder ran with is unknown', file);
  return parseX265Settings(text, file);
}

/** Parses "x265 (build N) - <version>:[...] ... - options: ..." (the SEI text without its NUL). */
export function parseX265Settings(text: string, file = 'x265 settings'): X265Settings {
  const version = /^x265 \(build \d+\) - ([^:\s]+)/.exec(text)?.[1];
  const at = text.indexOf(OPTIONS);
  if (!version || at < 0) throw new EncoderError(`unrecognised x265 settings message: ${JSON.stringify(text.slice(0, 80))}`, file);
  const options = new Map<string, string>();
  // x265 3.5 prints "scenecut-aware-qp=0conformance-window-offsets" without the space between the two
  const body = text.slice(at + OPTIONS.length).replace(/(=\d+)(conformance-window-offsets)/, '$1 $2');
  for (const token of body.split(/\s+/)) {
    if (!token) continue;
    const eq = token.indexOf('=');
    if (eq > 0) options.set(token.slice(0, eq), token.slice(eq + 1));
    else if (token.startsWith('no-')) options.set(token.slice(3), '0');
    else options.set(token, '1');
  }
  return { version, options };
}

/** What the encoder was asked for: the x265-params entries in the order passed (later ones win, as in x265), and
 * the settings ffmpeg passes outside x265-params. */
export interface X265Request {
  /** "key=value" entries, adreel's and then the user's */
  entries: string[];
  /** the user's own entries (recorded in params) */
  userEntries: string[];
  crf: number | null;
  lossless: boolean;
  channels: 1 | 3;
  /** the input's frame rate (ffmpeg -r): x265's fps unless an entry sets it */
  inputFps: number;
}

/** The compact record of `settings`; throws one line naming every setting x265 ran with other than requested. */
export function effectiveSettings(settings: X265Settings, request: X265Request, file: string): EffectiveX265 {
  const o = settings.options;
  const num = (key: string): number | undefined => (o.has(key) && isNumeric(o.get(key)!) ? Number(o.get(key)) : undefined);
  const int = (key: string): number => {
    const value = num(key);
    if (value === undefined || !Number.isInteger(value)) throw new EncoderError(`x265's settings message has no whole number "${key}" (got ${JSON.stringify(o.get(key))})`, file);
    return value;
  };
  const csp = CSP[int('input-csp')];
  if (!csp) throw new EncoderError(`x265 ran with an unknown input colour space ${o.get('input-csp')}`, file);
  const rc = o.get('rc') ?? 'unknown';
  const params: Record<string, string> = {};
  for (const entry of request.userEntries) {
    const key = printedKey(entry);
    if (o.has(key)) params[key] = o.get(key)!;
  }
  const effective: EffectiveX265 = {
    x265: settings.version,
    rc,
    ...(rc === 'crf' && num('crf') !== undefined ? { crf: num('crf') } : {}),
    ...(rc === 'cqp' && num('qp') !== undefined ? { qp: num('qp') } : {}),
    lossless: o.get('lossless') === '1',
    bitDepth: int('bitdepth'),
    csp,
    fps: rational(o.get('fps')) ?? 0,
    keyint: int('keyint'),
    minKeyint: int('min-keyint'),
    openGop: o.get('open-gop') === '1',
    frameThreads: int('frame-threads'),
    ...(o.has('numa-pools') ? { pools: o.get('numa-pools')! } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };

  const wrong: string[] = [];
  const differs = (what: string, used: unknown, asked: unknown) => wrong.push(`${what} ${String(used)} (asked ${String(asked)})`);
  if (effective.lossless !== request.lossless) differs('lossless', effective.lossless, request.lossless);
  if (!request.lossless && (rc !== 'crf' || effective.crf !== request.crf)) differs('rate control', rc === 'crf' ? `crf=${effective.crf}` : `rc=${rc}`, `crf=${request.crf}`);
  if (effective.bitDepth !== 8) differs('bit depth', effective.bitDepth, 8);
  const cspAsked = request.channels === 1 ? 'i400' : 'i444';
  if (csp !== cspAsked) differs('colour space', csp, cspAsked);
  const asked = new Map<string, string>([['fps', String(request.inputFps)]]);
  for (const entry of request.entries) asked.set(printedKey(entry), requestedValue(entry));
  for (const [key, value] of asked) {
    if (!o.has(key)) continue; // x265 does not print every key (log-level as a name, lookahead-threads, aliases)
    if (!sameValue(key, o.get(key)!, value)) differs(key, o.get(key), value);
  }
  if (wrong.length > 0) {
    throw new EncoderError(
      `x265 ran with settings other than requested: ${wrong.join(', ')}; it adjusts values that conflict with others, so change the x265 parameters and encode again (nothing was written)`,
      file,
    );
  }
  return EffectiveX265Schema.parse(effective);
}

/** The key x265 prints for an x-265-params entry: its canonical spelling ("_" as "-", no "no-"), pools as numa-pools. */
function printedKey(entry: string): string {
  const key = entry.split('=')[0].toLowerCase().replace(/_/g, '-').replace(/^no-/, '');
  return key === 'pools' ? 'numa-pools' : key;
}

/** The value an entry asks for, a "no-" key's boolean inverted. */
function requestedValue(entry: string): string {
  const [key, value = '1'] = entry.split(/=(.*)/s);
  if (!/^no-/i.test(key)) return value;
  const b = asBoolean(value);
  return b === undefined ? value : b ? '0' : '1';
}

function sameValue(key: string, printed: string, asked: string): boolean {
  if (printed === asked) return true;
  if (key === 'fps') return rational(printed) === rational(asked);
  const p = asBoolean(printed);
  const a = asBoolean(asked);
  if (p !== undefined && a !== undefined && /^[01]$/.test(printed)) return p === a;
  if (isNumeric(printed) && isNumeric(asked)) return Number(printed) === Number(asked);
  // names x265 prints as numbers (me=hex as me=1) and lists cannot be compared; they are recorded as printed
  return true;
}

function asBoolean(v: string): boolean | undefined {
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  return undefined;
}

function isNumeric(v: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(v);
}

/** "25000/1000" or "25" as a number. */
function rational(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(v);
  if (!m) return undefined;
  const value = Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2]));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The SEI's text: from "x265 (build " to the NUL that ends it, read in chunks until found. */
async function findSeiText(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    let window = Buffer.alloc(0);
    let position = 0;
    for (;;) {
      const chunk = Buffer.alloc(CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, position);
      if (bytesRead === 0) return undefined;
      position += bytesRead;
      window = Buffer.concat([window, chunk.subarray(0, bytesRead)]);
      const start = window.indexOf(MARKER);
      if (start < 0) {
        window = window.subarray(Math.max(0, window.length - MARKER.length));
        continue;
      }
      const end = window.indexOf(0, start);
      if (end >= 0) return window.subarray(start, end).toString('latin1');
      if (window.length - start > MAX_SEI_BYTES) return undefined;
      window = window.subarray(start);
    }
  } finally {
    await handle.close();
  }
}
