// The state a compress run carries between its stages. In the CLI the stages run in one process; in the cloud each
// is a Lambda, and this is what they exchange through storage (S3 keys, never image bytes).
import type { Storage } from '../../ground/storage.ts';
import type { DatasetEntry } from '../dataset.ts';
import type { Rect } from '../geometry.ts';
import type { CompactReferenceLayout } from '../compact-reference.ts';
import type { StoredSize } from '../frame-scale.ts';
import type { Affine, SourceInfo } from '../types.ts';
import type { Decisions } from '../decide/schema.ts';
import type { CompressOptions } from './options.ts';
import type { QualityDecision } from '../quality/stage.ts';
import type { PoseSummary } from '../pose/summary.ts';
import { readState, RUN_STATE } from '../run-state/index.ts';

/** Keys of the published artifacts, relative to the output store (intermediates: lambdas/core/run-state). */
export const KEYS = {
  /** the manifest (version 4 on: a binary file, manifest-pack.ts); written last */
  manifest: 'manifest.bin',
  /** the manifest of outputs written before version 4 (versions 1-3: JSON); read, never written */
  manifestJson: 'manifest.json',
  reference: 'reference.png',
  /** the compact reference (compact-reference.ts), WebP lossless */
  referenceCompact: 'reference.webp',
  /** the published masks are packed (mask-pack.ts); outputs written before name theirs .png (the manifest says which) */
  referenceMask: 'reference-mask.bin',
  mask: 'mask.bin',
  reel: 'reel.mp4',
} as const;


export interface SegmenterChoice {
  kind: 'threshold' | 'model';
  reason: string;
  modelSha256?: string;
}

export interface JobState {
  version: 1;
  /** the options in effect: align and mask as decided (decisions), the rest as given */
  options: CompressOptions;
  /** align and mask as the caller asked (absent in job states written before the decisions existed) */
  requested?: { align: boolean; mask: boolean };
  /** what the run decided from the dataset, with its evidence (absent: older job state = similarity, masks as asked) */
  decisions?: Decisions;
  sourceLayout: 'folder' | 'mvtec';
  /** entries in frame order (sorted by name); index = position here */
  entries: DatasetEntry[];
  skipped: { name: string; reason: string }[];
  reference: { index: number; name: string };
  mode: 'grey' | 'rgb';
  width: number;
  height: number;
  segmenter: SegmenterChoice | null;
  warnings: string[];
  /** how reference.png holds the reference (compact-reference.ts); absent = the whole image */
  referenceLayout?: CompactReferenceLayout;
  /** the size frames are stored at (--max-side); absent (a job written before the option) = width x height */
  stored?: StoredSize;
  /** --quality auto's choice and evidence (options.crf then holds the chosen CRF) */
  quality?: QualityDecision;
  /** --reuse-alignment: the earlier output's judgement of its alignment (decisions.misalignment's gate and outliers,
   * the frames' outlier flags and warnings, the training poses), kept as it was: judged again from the manifest's
   * rounded figures, without the per-frame pose matrices, it would come out different */
  judged?: { pose?: PoseSummary };
}

/** Where this run keeps its reference image. */
export function referenceKey(job: JobState): string {
  return job.referenceLayout ? KEYS.referenceCompact : KEYS.reference;
}

/** The size frames are stored at: the reference's, or smaller with --max-side. */
export function storedSizeOf(job: JobState): StoredSize {
  return job.stored ?? { width: job.width, height: job.height, factor: 1 };
}

export interface AlignmentRecord {
  score: number;
  silhouetteIou: number;
  ncc: number;
  method: string;
  ok: boolean;
  /** set at publish when the frame is a low outlier of its dataset (decide/misalignment.ts) */
  outlier?: { value: number; margin: number };
}

/** What the align+mask stage learned about one source image. */
export interface FrameDraft {
  /** position in job.entries */
  entryIndex: number;
  name: string;
  stem: string;
  source: SourceInfo & { bytes: number; sha256: string };
  transform: Affine | null;
  alignment: AlignmentRecord | null;
  /**
   * translation and none modes: image -> reference pose from the object mask's moments (core/pose/moments.ts), for
   * the pose check; the frame is moved by `transform` only. Summarised in the manifest's `pose`, not in its frames.
   */
  poseMatrix?: Affine;
  /** set when the image is left out of the reel (policy drop), with the reason */
  dropped?: string;
  warnings: string[];
}

export interface UnionResult {
  unionFraction: number;
  marginPx: number;
  crop: Rect | null;
  sha256: string;
}

export interface StageContext {
  /** where the source images are read from (never written) */
  source: Storage;
  /** where artifacts and intermediates are written */
  target: Storage;
  onProgress?: (stage: string, done: number, total: number) => void;
  log?: (message: string) => void;
}

export function readJob(target: Storage): Promise<JobState> {
  return readState(target, RUN_STATE.job);
}
