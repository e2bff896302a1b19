// inspect: the figures of a compressed output, from its manifest and file sizes (no decoding).
import type { Storage } from '../ground/storage.ts';
import { loadManifest } from './artifacts.ts';

export interface InspectResult {
  frames: number;
  dropped: number;
  width: number;
  height: number;
  mode: string;
  crop: { x: number; y: number; width: number; height: number } | null;
  reelBytes: number;
  outputBytes: number;
  inputBytes: number;
  ratio: number;
  crf: number | null;
  lossless: boolean;
  preset: string;
  x265Params: string;
  aligned: boolean;
  alignmentScore: { min: number; mean: number } | null;
  unionFraction: number | null;
  segmenter: string | null;
  reels: number;
  manifestVersion: number;
  /** v2: the manifest's digest (record it elsewhere to detect a rewritten manifest); null for v1 */
  manifestDigest: string | null;
}

export async function inspectOutput(store: Storage): Promise<InspectResult> {
  const m = await loadManifest(store);
  const reelBytes = m.reels.reduce((s, r) => s + r.bytes, 0);
  const outputBytes = (await store.list('')).reduce((s, o) => s + o.bytes, 0);
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
    inputBytes: m.dataset.inputBytes,
    ratio: m.dataset.inputBytes / reelBytes,
    crf: m.codec.crf,
    lossless: m.codec.lossless,
    preset: m.codec.preset,
    x265Params: m.codec.x265Params,
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
