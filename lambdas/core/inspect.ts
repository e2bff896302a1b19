// inspect: the figures of a compressed output, from its manifest and file sizes (no decoding).
import type { Storage } from '../ground/storage.ts';
import { isManifestKey, loadManifest } from './artifacts.ts';
import type { Manifest } from './manifest.ts';

export interface InspectResult {
  frames: number;
  dropped: number;
  width: number;
  height: number;
  mode: string;
  crop: { x: number; y: number; width: number; height: number } | null;
  reelBytes: number;
  /** everything in the output folder (the headline size) */
  outputBytes: number;
  overhead: OutputOverhead;
  inputBytes: number;
  /** input / output bytes */
  ratio: number;
  /** input / reel bytes */
  reelRatio: number;
  crf: number | null;
  lossless: boolean;
  preset: string;
  x265Params: string;
  /** what x265 ran with (read back from the reel at encode time); null in manifests written before it was recorded */
  effective: Manifest['codec']['effective'] | null;
  aligned: boolean;
  alignmentScore: { min: number; mean: number } | null;
  unionFraction: number | null;
  segmenter: string | null;
  reels: number;
  manifestVersion: number;
  /** v2: the manifest's digest (record it elsewhere to detect a rewritten manifest); null for v1 */
  manifestDigest: string | null;
}

/** The output's bytes besides the reel, by kind (PROTOCOL.md "Sizes": everything but the reel is overhead). */
export interface OutputOverhead {
  manifest: number;
  reference: number;
  /** union mask and the reference's object mask */
  masks: number;
  /** anything else in the folder */
  other: number;
  total: number;
}

export function outputOverhead(m: Manifest, files: { key: string; bytes: number }[]): OutputOverhead {
  const reels = new Set(m.reels.map((r) => r.file));
  const masks = new Set([m.mask?.file, m.reference.maskFile].filter((f): f is string => Boolean(f)));
  const o: OutputOverhead = { manifest: 0, reference: 0, masks: 0, other: 0, total: 0 };
  for (const f of files) {
    if (reels.has(f.key)) continue;
    if (isManifestKey(f.key)) o.manifest += f.bytes;
    else if (f.key === m.reference.file) o.reference += f.bytes;
    else if (masks.has(f.key)) o.masks += f.bytes;
    else o.other += f.bytes;
    o.total += f.bytes;
  }
  return o;
}

export async function inspectOutput(store: Storage): Promise<InspectResult> {
  const m = await loadManifest(store);
  const reelBytes = m.reels.reduce((s, r) => s + r.bytes, 0);
  const files = await store.list('');
  const outputBytes = files.reduce((s, o) => s + o.bytes, 0);
  const scores = m.frames.flatMap((f) => (f.alignment ? [f.alignment.score] : []));
  return {
    frames: m.frames.length,
    dropped: m.dropped.length,
    width: m.frame.width,
    height: m.frame.height,
    mode: m.frame.mode,
    crop: m.frame.crop,
    reelBytes,
    outputBytes,
    overhead: outputOverhead(m, files),
    inputBytes: m.dataset.inputBytes,
    ratio: m.dataset.inputBytes / outputBytes,
    reelRatio: m.dataset.inputBytes / reelBytes,
    crf: m.codec.crf,
    lossless: m.codec.lossless,
    preset: m.codec.preset,
    x265Params: m.codec.x265Params,
    effective: m.codec.effective ?? null,
    aligned: m.alignment.enabled,
    alignmentScore: scores.length
      ? { min: Math.min(...scores), mean: scores.reduce((a, b) => a + b, 0) / scores.length }
      : null,
    unionFraction: m.mask?.unionFraction ?? null,
    segmenter: m.alignment.segmenter?.kind ?? null,
    reels: m.reels.length,
    manifestVersion: m.version,
    manifestDigest: m.digest ?? null,
  };
}
