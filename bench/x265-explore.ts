// Bytes and quality of the SAME frames under different x265 settings and frame orders, without re-aligning: the
// frames are decoded from a lossless align + mask output (what the encoder received, cropped to the encoded
// region) and re-encoded with the product's own encoder (lambdas/core/reel/encode.ts). Picks candidates for the
// sweep's tuned series and measures the frame-ordering idea of the issue (now built into compress: --frame-order).
//
//   node --import tsx bench/x265-explore.ts --from <lossless output dir> [--crf 40] [--settings NAME,...] [--order]
//                                           [--order-setting NAME]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadManifest, loadUnionMask } from '../lambdas/core/artifacts.ts';
import { cropImage, psnr } from '../lambdas/core/geometry.ts';
import { decodeHevc } from '../lambdas/core/reel/decode.ts';
import type { X265Preset } from '../lambdas/core/compress/options.ts';
import { encodeHevc, REEL_FPS } from '../lambdas/core/reel/encode.ts';
import { decodeCheckedFrames } from '../lambdas/core/restore.ts';
import type { Image } from '../lambdas/core/types.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { similarityOrder, thumbnail } from '../lambdas/core/reel/frame-order.ts';
import { runMain } from './lib/run-main.ts';

/** Candidate x265 settings: preset and parameters appended after adreel's own. */
export const SETTINGS: Record<string, { preset: string; x265Params: string }> = {
  medium: { preset: 'medium', x265Params: '' },
  slow: { preset: 'slow', x265Params: '' },
  slower: { preset: 'slower', x265Params: '' },
  'no-psy': { preset: 'medium', x265Params: 'psy-rd=0:psy-rdoq=0' },
  'aq-off': { preset: 'medium', x265Params: 'aq-mode=0' },
  'aq-3': { preset: 'medium', x265Params: 'aq-mode=3' },
  'more-b': { preset: 'medium', x265Params: 'bframes=16:b-adapt=2:rc-lookahead=60' },
  'ref-6': { preset: 'medium', x265Params: 'ref=6' },
  'one-gop': { preset: 'medium', x265Params: 'keyint=1000:min-keyint=1000:scenecut=0' },
  'slow-tuned': { preset: 'slow', x265Params: 'psy-rd=0:psy-rdoq=0:bframes=16:b-adapt=2:rc-lookahead=60:keyint=1000:scenecut=0' },
  // x265's rate control depends on the frame rate; adreel's reels are 1 fps
  fps25: { preset: 'medium', x265Params: 'fps=25' },
  fps100: { preset: 'medium', x265Params: 'fps=100' },
  'fps25-slow': { preset: 'slow', x265Params: 'fps=25' },
  'fps25-no-psy': { preset: 'medium', x265Params: 'fps=25:psy-rd=0:psy-rdoq=0' },
  'fps25-pb': { preset: 'medium', x265Params: 'fps=25:ipratio=1.6:pbratio=1.6' },
  'fps25-one-gop': { preset: 'medium', x265Params: 'fps=25:keyint=1000:min-keyint=1000:scenecut=0' },
};

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    crf: { type: 'string', default: '40' },
    settings: { type: 'string' },
    order: { type: 'boolean' },
    'order-setting': { type: 'string', default: 'medium' },
    threads: { type: 'string', default: '2' },
  },
});

async function* iterate(frames: Image[], order: number[]): AsyncGenerator<Image> {
  for (const i of order) yield frames[i];
}

async function main(): Promise<void> {
  if (!values.from) throw new Error('--from <lossless adreel output folder> is required');
  const store = new LocalStorage(values.from);
  const m = await loadManifest(store);
  if (!m.codec.lossless) throw new Error(`${values.from} is not a lossless output: its frames are not what the encoder received`);
  const frames: Image[] = [];
  for await (const f of decodeCheckedFrames(store, m)) frames.push(f.decoded);
  const { width, height } = frames[0];
  const union = await loadUnionMask(store, m);
  const inside = union && m.frame.crop ? cropImage({ ...union, channels: 1 }, m.frame.crop).data : undefined;
  const crf = Number(values.crf);
  const natural = frames.map((_, i) => i);
  const work = await mkdtemp(join(tmpdir(), 'adreel-x265-explore-'));
  console.log(`${frames.length} frames ${width}x${height} from ${values.from}; CRF ${crf}; PSNR inside the union mask`);
  const run = async (name: string, preset: string, x265Params: string, order: number[]) => {
    const out = join(work, `${name}.mp4`);
    const t = performance.now();
    const r = await encodeHevc(iterate(frames, order), out, { width, height, channels: 1, crf, lossless: false, preset: preset as X265Preset, x265Params, threads: Number(values.threads), rateFps: REEL_FPS });
    const seconds = (performance.now() - t) / 1000;
    let sum = 0;
    let k = 0;
    for await (const d of decodeHevc(out, { width, height, channels: 1 })) sum += psnr(frames[order[k++]], d, inside);
    console.log(`${name.padEnd(22)} ${String(r.bytes).padStart(9)} B  PSNR ${(sum / k).toFixed(2)} dB  ${seconds.toFixed(1)} s  [${preset}${x265Params ? ' ' + x265Params : ''}]`);
    return r.bytes;
  };
  try {
    const names = values.settings ? values.settings.split(',') : Object.keys(SETTINGS);
    for (const n of names) await run(n, SETTINGS[n].preset, SETTINGS[n].x265Params, natural);
    if (values.order) {
      const t = performance.now();
      const order = similarityOrder(frames.map((f) => thumbnail(f)));
      console.log(`similarity order (greedy nearest neighbour + 2-opt on 32x32 thumbnails) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const o = SETTINGS[values['order-setting']!];
      const base = await run(`${values['order-setting']}, name order`, o.preset, o.x265Params, natural);
      const sorted = await run(`${values['order-setting']}, similarity`, o.preset, o.x265Params, order);
      console.log(`frame ordering: ${(100 * (1 - sorted / base)).toFixed(1)}% fewer bytes at CRF ${crf}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

runMain(main);
