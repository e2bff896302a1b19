// --quality auto in a compress run: after the one alignment, before the reel is encoded. A few held-out good frames
// (exactly as they go into the encoder: blanked outside the union mask, cropped) are encoded alone at candidate
// CRFs (the run's other encoder settings, rate-control fps included), decoded, pasted back into their full frames
// and compared through the feature extractor (search.ts). The chosen CRF then encodes the whole reel; the decision
// and its evidence go into the manifest (`quality`).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cropImage, type Rect } from '../geometry.ts';
import { decodeImage, decodeMask } from '../image-io.ts';
import { decodeHevc } from '../reel/decode.ts';
import { encodeHevc } from '../reel/encode.ts';
import { makeScratchDir } from '../scratch.ts';
import type { Image } from '../types.ts';
import { applyMask } from '../union-mask.ts';
import { RUN_STATE } from '../run-state/index.ts';
import { encodedRegion } from '../compress/encode.ts';
import { KEYS, type FrameDraft, type JobState, type StageContext, type UnionResult } from '../compress/job.ts';
import { CRF_RANGE, pickEncoderSettings } from '../compress/options.ts';
import { bisectCrf, heldOutIndices, meanDistortion, naturalSpread, QUALITY_HELD_OUT, QUALITY_SEED, type FeatureExtractor, type FeatureMap, type QualityTrial } from './search.ts';

/** What the manifest records of a --quality auto run (manifest.ts `quality`). */
export interface QualityDecision {
  mode: 'auto';
  criterion: string;
  modelSha256?: string;
  tolerance: number;
  seed: number;
  /** names of the held-out frames */
  heldOut: string[];
  spread: number;
  crf: number;
  met: boolean;
  trials: QualityTrial[];
}

export interface QualityStageOptions {
  tolerance: number;
  heldOut?: number;
  seed?: number;
  probe?: QualityProbe;
}

/**
 * Diagnostics for benches: CRFs measured on the same held-out frames before the search (the search reuses them), and
 * each trial's feature maps, so other criteria can be computed from exactly what the rule saw.
 */
export interface QualityProbe {
  crfs?: number[];
  onTrial?: (trial: { crf: number; ratio: number; bytes: number; spread: number; originals: FeatureMap[]; decoded: FeatureMap[] }) => void;
}

/** Pastes `crop` into a copy of `full` at `r`. */
function paste(full: Image, crop: Image, r: Rect): Image {
  const out = new Uint8Array(full.data);
  const c = full.channels;
  for (let y = 0; y < r.height; y++) {
    out.set(crop.data.subarray(y * r.width * c, (y + 1) * r.width * c), ((r.y + y) * full.width + r.x) * c);
  }
  return { ...full, data: out };
}

export async function qualityAutoStage(
  ctx: StageContext,
  job: JobState,
  drafts: FrameDraft[],
  union: UnionResult | null,
  features: FeatureExtractor,
  opts: QualityStageOptions,
): Promise<QualityDecision> {
  const kept = drafts.filter((d) => !d.dropped);
  const seed = opts.seed ?? QUALITY_SEED;
  const picked = heldOutIndices(kept.length, opts.heldOut ?? QUALITY_HELD_OUT, seed).map((i) => kept[i]);
  if (picked.length < 2) throw new RangeError(`--quality auto needs at least 2 kept frames, got ${picked.length}`);
  const mask = union ? await decodeMask(await ctx.target.get(KEYS.mask), KEYS.mask) : undefined;
  const region = encodedRegion(job, union);
  const full: Image[] = [];
  for (const d of picked) {
    const key = RUN_STATE.aligned(d.entryIndex);
    const frame = (await decodeImage(await ctx.target.get(key), key)).image;
    full.push(mask ? applyMask(frame, mask) : frame);
  }
  const crops = full.map((f) => cropImage(f, region));
  const channels = job.mode === 'grey' ? 1 : 3;
  const originals = await features.extract(full);
  const spread = naturalSpread(originals);
  const dir = await makeScratchDir('adreel-quality-');
  try {
    const trial = async (crf: number) => {
      const path = join(dir, `held-out-crf${crf}.mp4`);
      const settings = pickEncoderSettings({ ...job.options, crf, lossless: false });
      const enc = await encodeHevc(
        (async function* () {
          yield* crops;
        })(),
        path,
        { width: region.width, height: region.height, channels, ...settings, closedGop: true },
      );
      const decoded: Image[] = [];
      let k = 0;
      for await (const frame of decodeHevc(path, { width: region.width, height: region.height, channels })) decoded.push(paste(full[k++], frame, region));
      await rm(path, { force: true });
      const decodedMaps = await features.extract(decoded);
      const ratio = meanDistortion(originals, decodedMaps) / spread;
      ctx.log?.(`quality auto: CRF ${crf}: distortion/spread ${ratio.toFixed(4)} (tolerance ${opts.tolerance})`);
      opts.probe?.onTrial?.({ crf, ratio, bytes: enc.bytes, spread, originals, decoded: decodedMaps });
      return { ratio, bytes: enc.bytes };
    };
    const memo = new Map<number, Promise<{ ratio: number; bytes: number }>>();
    const once = (crf: number) => {
      if (!memo.has(crf)) memo.set(crf, trial(crf));
      return memo.get(crf)!;
    };
    for (const crf of opts.probe?.crfs ?? []) await once(crf);
    const result = await bisectCrf(once, opts.tolerance, CRF_RANGE);
    return {
      mode: 'auto',
      criterion: features.criterion,
      ...(features.modelSha256 ? { modelSha256: features.modelSha256 } : {}),
      tolerance: opts.tolerance,
      seed,
      heldOut: picked.map((d) => d.name),
      spread,
      crf: result.crf,
      met: result.met,
      trials: result.trials,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
