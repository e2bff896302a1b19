// Partial unions: the align batches OR their object masks ahead of the reducer, and carry their records with them,
// so the reducer reads one object per 1,024 images instead of two per image (bench/union-partials.ts measures it;
// bench/lib/cost-model.ts has the numbers). Two levels, each a PNG (the OR, not grown) and a JSON sidecar:
//   .work/unions/1/<group>/<first>-<last>.png|json   one per align batch (first..last: its entry indices)
//   .work/unions/2/<group>.png|json                  one per group of GROUP_ENTRIES entries: the OR of its batches'
// The sidecar lists the range's records (`drafts`: every image processed, kept or dropped; failed images have none),
// the kept frames it accounts for (`covers`: each one's mask is in the PNG, or it has none), the masks in the PNG
// (`masks`) and the PNG's sha256.
// Level 1 is written by the align batch after every mask of the batch; the masks are read back from storage, so it
// holds exactly the masks the reducer would have read: those actually written, for kept frames only. The sidecar is
// written last, and a retried batch rewrites the same keys. Level 2 is written by whichever batch finds, after its own
// level 1, that the level 1s of its group tile the group's whole range (the last to finish; two at once write the same
// bytes); a batch that is retried later re-merges its group the same way.
// Readers (readPartialUnions) take a group's level 2 when valid, else its level 1s; the records in them stand for
// the record files, and union.ts uses a partial's PNG only when every mask in it belongs to a kept frame and the PNG
// still has the sidecar's sha256. Anything no usable partial covers is read one image at a time, as before: the CLI
// writes no partials, nor does a single-image invocation, nor a batch that crashed before its sidecar.
// Assumed, as for the record files: a retried image is processed to the same result.
import type { Storage } from '../../ground/storage.ts';
import { sha256 } from '../hash.ts';
import { decodeMask, encodeMaskPng } from '../image-io.ts';
import { mapPool } from '../map-pool.ts';
import type { Mask } from '../types.ts';
import { UnionMaskBuilder } from '../union-mask.ts';
import { type FrameDraft, type JobState } from './job.ts';
import { RUN_STATE } from '../run-state/index.ts';

/** Entries per level-2 group: a multiple of every power-of-two batch size up to it (the align Map's is 8). */
export const GROUP_ENTRIES = 1024;
export const groupOf = (entryIndex: number) => Math.floor(entryIndex / GROUP_ENTRIES);

export interface PartialUnion {
  version: 1;
  level: 1 | 2;
  /** the entry range it stands for (a batch, or a group) */
  first: number;
  last: number;
  /** the records of the range's processed images, ascending (failed images have none) */
  drafts: FrameDraft[];
  /** the kept frames (drafts not dropped): each one's object mask is in the PNG, or it has none */
  covers: number[];
  /** the frames whose object masks are ORed into the PNG (ascending, a subset of covers) */
  masks: number[];
  /** the PNG's key; null when no covered frame has a mask */
  png: string | null;
  sha256: string | null;
}

/** A partial union read back, with the key of its sidecar. */
export interface StoredPartial extends PartialUnion {
  key: string;
}

/** Object masks read back by an align batch, and partials read by a batch completing its group, at once. */
const WRITER_CONCURRENCY = 8;

/**
 * Writes the level-1 partial union of one align batch: `batch` is its entry indices (consecutive, ascending, as the
 * Map's ItemBatcher gives them; anything else writes nothing and returns null), `drafts` the records of the images
 * it processed (failed images have none). Call it after the batch's masks and records are written.
 */
export async function writeBatchUnion(target: Storage, job: JobState, batch: readonly number[], drafts: readonly FrameDraft[]): Promise<StoredPartial | null> {
  if (batch.length === 0 || batch.some((i, k) => !isIndex(i) || (k > 0 && i !== batch[k - 1] + 1))) return null;
  const first = batch[0];
  const last = batch[batch.length - 1];
  const sorted = [...drafts].sort((a, b) => a.entryIndex - b.entryIndex);
  sorted.forEach((d, k) => {
    if (d.entryIndex < first || d.entryIndex > last || (k > 0 && d.entryIndex === sorted[k - 1].entryIndex)) {
      throw new RangeError(`record of entry ${d.entryIndex} is not one of batch ${first}-${last}, or is there twice`);
    }
  });
  const covers = sorted.filter((d) => !d.dropped).map((d) => d.entryIndex);
  const builder = new UnionMaskBuilder();
  const masks = job.options.mask ? await orObjectMasks(target, covers, builder, WRITER_CONCURRENCY) : [];
  const group = groupOf(first);
  const partial: PartialUnion = { version: 1, level: 1, first, last, drafts: sorted, covers, masks, png: null, sha256: null };
  return writePartial(target, partial, builder.raw(), RUN_STATE.batchUnion(group, first, last, 'png'), RUN_STATE.batchUnion(group, first, last, 'json'));
}

/**
 * Writes the level-2 partial of `group` when its level 1s tile the group's range exactly (see the file comment);
 * returns null, writing nothing, when they do not yet (or one is unusable: the reducer then reads the level 1s).
 */
export async function mergeGroupUnion(target: Storage, entries: number, group: number): Promise<StoredPartial | null> {
  const lo = group * GROUP_ENTRIES;
  const hi = Math.min(entries, lo + GROUP_ENTRIES) - 1;
  if (lo > hi) return null;
  const ranges = (await target.list(RUN_STATE.batchUnions(group)))
    .map((o) => ({ key: o.key, ...rangeOfKey(o.key) }))
    .filter((r): r is { key: string; first: number; last: number } => r.first !== undefined)
    .sort((a, b) => a.first - b.first);
  let next = lo;
  for (const r of ranges) {
    if (r.first !== next) return null;
    next = r.last + 1;
  }
  if (next !== hi + 1) return null;
  const builder = new UnionMaskBuilder();
  const parts = await mapPool(ranges, WRITER_CONCURRENCY, async (r) => {
    const p = parsePartial(await target.get(r.key), 1);
    if (!p || p.first !== r.first || p.last !== r.last) return null;
    return (await orPartialPng(target, p, builder)) ? p : null;
  });
  if (parts.some((p) => p === null)) return null;
  const all = parts as PartialUnion[];
  const merged: PartialUnion = {
    version: 1,
    level: 2,
    first: lo,
    last: hi,
    drafts: all.flatMap((p) => p.drafts),
    covers: all.flatMap((p) => p.covers),
    masks: all.flatMap((p) => p.masks),
    png: null,
    sha256: null,
  };
  return writePartial(target, merged, builder.raw(), RUN_STATE.groupUnion(group, 'png'), RUN_STATE.groupUnion(group, 'json'));
}

/**
 * The partials a reader uses for a run of `entries` images: each group's level 2 when valid, else the group's
 * level 1s. Sidecars only (the PNGs are read by addPartialUnions), `concurrency` at a time; unusable ones left out.
 */
export async function readPartialUnions(target: Storage, entries: number, concurrency: number): Promise<StoredPartial[]> {
  const groups = Math.ceil(entries / GROUP_ENTRIES);
  const level2Keys = (await target.list(RUN_STATE.groupUnions)).map((o) => o.key).filter((k) => k.endsWith('.json'));
  const level2 = await mapPool(level2Keys, concurrency, async (key) => {
    const p = parsePartial(await target.get(key), 2);
    const g = p ? groupOf(p.first) : -1;
    return p && key === RUN_STATE.groupUnion(g, 'json') && p.first === g * GROUP_ENTRIES && p.last === Math.min(entries, (g + 1) * GROUP_ENTRIES) - 1 ? { ...p, key } : null;
  });
  const merged = new Set(level2.filter((p) => p !== null).map((p) => groupOf(p.first)));
  const rest = Array.from({ length: groups }, (_, g) => g).filter((g) => !merged.has(g));
  const level1Keys = (await mapPool(rest, concurrency, (g) => target.list(RUN_STATE.batchUnions(g)))).flat().map((o) => o.key).filter((k) => k.endsWith('.json'));
  const level1 = await mapPool(level1Keys, concurrency, async (key) => {
    const p = parsePartial(await target.get(key), 1);
    const r = rangeOfKey(key);
    return p && p.first === r.first && p.last === r.last ? { ...p, key } : null;
  });
  return [...level2, ...level1].filter((p): p is StoredPartial => p !== null);
}

/** The records the partials hold, by entry index (the first partial holding one wins: level 2 before level 1). */
export function draftsOfPartials(partials: readonly PartialUnion[]): Map<number, FrameDraft> {
  const out = new Map<number, FrameDraft>();
  for (const p of partials) for (const d of p.drafts) if (!out.has(d.entryIndex)) out.set(d.entryIndex, d);
  return out;
}

export interface PartialUnionsRead {
  /** kept frames accounted for by the partials used */
  covered: Set<number>;
  /** partials used (ORed in, or covering only frames without a mask) */
  used: number;
  /** partials left out: a mask of a frame that is not kept, or a PNG changed since its sidecar */
  ignored: number;
}

/**
 * ORs into `builder` the PNG of every usable partial (see the file comment), `concurrency` at a time; `kept` is the
 * set of kept frames. Storage errors pass through (the task is retried); an unusable partial is left out, and the
 * frames it covers are then for the caller to read one by one.
 */
export async function addPartialUnions(
  target: Storage,
  partials: readonly PartialUnion[],
  kept: ReadonlySet<number>,
  builder: UnionMaskBuilder,
  concurrency: number,
  onPartial?: (read: PartialUnionsRead) => void,
): Promise<PartialUnionsRead> {
  const read: PartialUnionsRead = { covered: new Set(), used: 0, ignored: 0 };
  await mapPool(partials, concurrency, async (p) => {
    if (p.masks.every((i) => kept.has(i)) && (await orPartialPng(target, p, builder))) {
      for (const i of p.covers) if (kept.has(i)) read.covered.add(i);
      read.used++;
    } else {
      read.ignored++;
    }
    onPartial?.(read);
  });
  return read;
}

/** ORs a partial's PNG into `builder` unless it changed since its sidecar (false then); true for a partial without one. */
async function orPartialPng(target: Storage, p: PartialUnion, builder: UnionMaskBuilder): Promise<boolean> {
  if (p.png === null) return true;
  const bytes = await target.get(p.png);
  if (sha256(bytes) !== p.sha256) return false;
  builder.addUnion(await decodeMask(bytes, p.png), p.masks.length);
  return true;
}

/** ORs the object masks of `indices` into `builder` (a frame without one adds nothing); returns those it had, ascending. */
export async function orObjectMasks(target: Storage, indices: readonly number[], builder: UnionMaskBuilder, concurrency: number, onEach?: () => void): Promise<number[]> {
  const found: number[] = [];
  // Reads and PNG decodes overlap (S3 latency, libuv's pool); the OR itself stays in this thread.
  await mapPool(indices, concurrency, async (i) => {
    const key = RUN_STATE.objectMask(i);
    // A frame kept after a failed segmentation has no object mask: it contributes nothing to the union.
    if (await target.head(key)) {
      builder.add(await decodeMask(await target.get(key), key));
      found.push(i);
    }
    onEach?.();
  });
  return found.sort((a, b) => a - b);
}

async function writePartial(target: Storage, partial: PartialUnion, union: Mask | null, pngKey: string, jsonKey: string): Promise<StoredPartial> {
  if (union) {
    const bytes = await encodeMaskPng(union);
    partial.png = pngKey;
    partial.sha256 = sha256(bytes);
    await target.put(pngKey, bytes);
  }
  // the sidecar last: it never names a PNG that is not there yet
  await target.put(jsonKey, Buffer.from(JSON.stringify(partial)));
  return { ...partial, key: jsonKey };
}

function rangeOfKey(key: string): { first?: number; last?: number } {
  const m = /\/(\d+)-(\d+)\.json$/.exec(key);
  return m ? { first: Number(m[1]), last: Number(m[2]) } : {};
}

const isIndex = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

/** A sidecar of the given level, or null when it is not a consistent one (see PartialUnion). */
export function parsePartial(bytes: Buffer, level: 1 | 2): PartialUnion | null {
  let p: PartialUnion;
  try {
    p = JSON.parse(bytes.toString('utf8')) as PartialUnion;
  } catch {
    return null;
  }
  if (typeof p !== 'object' || p === null || p.version !== 1 || p.level !== level) return null;
  const { first, last, drafts, covers, masks, png } = p;
  if (!isIndex(first) || !isIndex(last) || first > last || !Array.isArray(drafts) || !Array.isArray(covers) || !Array.isArray(masks)) return null;
  const kept: number[] = [];
  let prev = -1;
  for (const d of drafts as unknown[]) {
    const i = (d as FrameDraft | null)?.entryIndex;
    if (!isIndex(i) || i <= prev || i < first || i > last) return null;
    prev = i;
    if (!(d as FrameDraft).dropped) kept.push(i);
  }
  if (covers.length !== kept.length || covers.some((c, k) => c !== kept[k])) return null;
  const keptSet = new Set(kept);
  prev = -1;
  for (const m of masks as unknown[]) {
    if (!isIndex(m) || m <= prev || !keptSet.has(m)) return null;
    prev = m;
  }
  const group = groupOf(first);
  const pngKey = level === 1 ? RUN_STATE.batchUnion(group, first, last, 'png') : RUN_STATE.groupUnion(group, 'png');
  const withPng = png === pngKey && typeof p.sha256 === 'string' && /^[0-9a-f]{64}$/.test(p.sha256) && masks.length > 0;
  const without = png === null && p.sha256 === null && masks.length === 0;
  return withPng || without ? p : null;
}
