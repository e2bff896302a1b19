// Which training-pose summary a transform compares test poses with: the manifest's (written by compress), or,
// for a manifest written before it existed, one derived from the frame records in the same way.
import type { Manifest } from '../manifest.ts';
import type { Mask } from '../types.ts';
import { summarizePoses, type PoseSummary } from './summary.ts';

export type PoseModel =
  | { source: 'manifest' | 'frames'; summary: PoseSummary; reason?: undefined }
  | { source: 'none'; summary: null; reason: string };

export function poseModelOf(manifest: Manifest, referenceMask: Mask): PoseModel {
  if (manifest.pose) return { source: 'manifest', summary: manifest.pose };
  const summary = summarizePoses(manifest.frames, referenceMask);
  if (summary) return { source: 'frames', summary };
  return { source: 'none', summary: null, reason: 'fewer than 2 aligned training frames, or an empty reference mask' };
}
