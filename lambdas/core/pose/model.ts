// Which training-pose summary a transform compares test poses with: the manifest's (written by compress), or,
// for a manifest written before it existed, one derived from the frame records in the same way; or none, and why.
import type { AlignMode } from '../decide/index.ts';
import type { Manifest } from '../manifest.ts';
import type { Mask } from '../types.ts';
import { summarizePoses, type PoseModelKind, type PoseSummary } from './summary.ts';

export type PoseModel =
  | { source: 'manifest' | 'frames'; summary: PoseSummary; reason?: undefined }
  | { source: 'none'; summary: null; reason: string };

/** The alignment mode a manifest's frames went through (manifests before the decisions: similarity when aligned). */
export function manifestAlignMode(manifest: Manifest): AlignMode {
  return manifest.decisions?.alignment.mode ?? (manifest.alignment.enabled ? 'similarity' : 'none');
}

/** How compress and transform measure poses in a dataset of this alignment mode (pose/summary.ts). */
export function poseModelKind(mode: AlignMode): PoseModelKind {
  return mode === 'translation' ? 'moments' : 'similarity';
}

/** What a summary without a model field, or one derived from the frame records, measured: their transforms. */
function recordedKind(mode: AlignMode): PoseModelKind {
  return mode === 'similarity' ? 'similarity' : 'translation';
}

/** `referenceMask`: null when the dataset has no object mask (not segmented). */
export function poseModelOf(manifest: Manifest, referenceMask: Mask | null): PoseModel {
  const mode = manifestAlignMode(manifest);
  const model = recordedKind(mode);
  if (!referenceMask) {
    return { source: 'none', summary: null, reason: `no object mask (alignment: ${mode}, no segmenter: a texture, or neither alignment nor mask asked for), so there is no object whose pose could be compared` };
  }
  if (manifest.pose) return { source: 'manifest', summary: manifest.pose.model ? manifest.pose : { ...manifest.pose, model } };
  if (mode === 'none') {
    return { source: 'none', summary: null, reason: 'the dataset was not aligned (alignment: none) and its manifest records no training poses (written before compress recorded them for unaligned datasets)' };
  }
  const summary = summarizePoses(manifest.frames, referenceMask, { model });
  if (summary) return { source: 'frames', summary };
  return { source: 'none', summary: null, reason: 'fewer than 2 aligned training frames, or an empty reference mask' };
}
