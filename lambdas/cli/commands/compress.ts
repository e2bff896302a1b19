import { z } from 'zod';
import { compressClasses, compressFolder, listClasses, RUN_SUMMARY_FILE } from '../../core/compress/compress-folder.ts';
import { CompressOptionsSchema } from '../../core/compress/options.ts';
import { UsageError } from '../../core/errors.ts';
import { bytes, seconds } from '../format.ts';
import type { Command } from '../main.ts';
import { createProgress } from '../progress.ts';
import { intOption, stringOption } from './args.ts';

export const runCompress: Command = {
  usage:
    'compress <inputDir> <outDir> [--crf N | --lossless] [--preset P] [--x265 "k=v:..."] [--segmenter auto|threshold|model] ' +
    '[--model PATH] [--margin PX] [--reference NAME] [--no-align] [--no-mask] [--no-crop] [--on-align-failure flag|fail|keep|drop] [--threads N] [--segment-frames N] [--frame-order similarity|name] [--jobs N] [--json] [--quiet]\n' +
    '  inputDir may be a folder of images, an MVTec category, or an MVTec root of categories (then <outDir>/<class>/ per class and <outDir>/summary.json)',
  positionals: 2,
  options: {
    crf: { type: 'string' },
    lossless: { type: 'boolean' },
    preset: { type: 'string' },
    x265: { type: 'string' },
    segmenter: { type: 'string' },
    model: { type: 'string' },
    margin: { type: 'string' },
    reference: { type: 'string' },
    'no-align': { type: 'boolean' },
    'no-mask': { type: 'boolean' },
    'no-crop': { type: 'boolean' },
    'on-align-failure': { type: 'string' },
    threads: { type: 'string' },
    'segment-frames': { type: 'string' },
    'frame-order': { type: 'string' },
    jobs: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run([inputDir, outDir], v) {
    if (v.crf !== undefined && v.lossless) throw new UsageError('--crf and --lossless exclude each other');
    const parsed = CompressOptionsSchema.safeParse({
      crf: intOption(v.crf, '--crf', 0, 51),
      lossless: Boolean(v.lossless),
      preset: stringOption(v.preset),
      x265Params: stringOption(v.x265),
      segmenter: stringOption(v.segmenter),
      modelPath: stringOption(v.model),
      marginPx: intOption(v.margin, '--margin', 0, 512),
      reference: stringOption(v.reference),
      align: !v['no-align'],
      mask: !v['no-mask'],
      crop: !v['no-crop'],
      onAlignFailure: stringOption(v['on-align-failure']),
      threads: intOption(v.threads, '--threads', 1, 64),
      segmentFrames: intOption(v['segment-frames'], '--segment-frames', 0, 100_000),
      frameOrder: stringOption(v['frame-order']),
    });
    const jobs = intOption(v.jobs, '--jobs', 1, 64);
    if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
    const progress = createProgress(!v.quiet);
    const hooks = {
      onProgress: progress.onProgress,
      log: v.quiet ? undefined : (m: string) => process.stderr.write(`[adreel] ${m}\n`),
      encodeConcurrency: jobs,
    };
    const classes = await listClasses(inputDir);
    if (classes) {
      // an MVTec root: one complete output per class, classes in parallel, one summary for the run
      const run = await compressClasses(inputDir, outDir, parsed.data, { ...hooks, classes });
      progress.stop();
      for (const c of run.classes) for (const w of c.warnings) process.stderr.write(`[adreel] ${c.class}: warning: ${w}\n`);
      if (v.json) {
        console.log(JSON.stringify(run, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2));
      } else {
        for (const c of run.classes) {
          console.log(`adreel: ${c.class}: ${c.frames} frames -> reel ${bytes(c.reelBytes)} in ${c.segments} segment(s), ratio ${c.ratio.toFixed(1)}x -> ${c.outDir}`);
        }
        const t = run.totals;
        console.log(
          `adreel: ${t.classes} classes, ${t.frames} frames, input ${bytes(t.inputBytes)} -> reels ${bytes(t.reelBytes)} (ratio ${t.ratio.toFixed(1)}x) ` +
            `in ${run.seconds.toFixed(1)}s; summary ${outDir}/${RUN_SUMMARY_FILE}`,
        );
      }
      return 0;
    }
    const s = await compressFolder(inputDir, outDir, parsed.data, hooks);
    progress.stop();
    for (const w of s.warnings) process.stderr.write(`[adreel] warning: ${w}\n`);
    if (v.json) {
      const { manifest: _m, ...rest } = s;
      console.log(JSON.stringify({ ...rest, psnrDb: Number.isFinite(s.psnrDb) ? s.psnrDb : null }, null, 2));
    } else {
      const psnr = Number.isFinite(s.psnrDb) ? `${s.psnrDb.toFixed(2)} dB` : 'lossless';
      const union = s.unionFraction === null ? 'no mask' : `union ${(100 * s.unionFraction).toFixed(1)}%`;
      console.log(
        `adreel: ${s.frames} frames${s.dropped ? ` (${s.dropped} dropped)` : ''} -> reel ${bytes(s.reelBytes)}${s.segments > 1 ? ` in ${s.segments} segments` : ''}, output ${bytes(s.outputBytes)}, ` +
          `input ${bytes(s.inputBytes)}, ratio ${s.ratio.toFixed(1)}x, PSNR in mask ${psnr}, ${union}; ${seconds(s.seconds)} -> ${s.outDir}`,
      );
    }
    return 0;
  },
};
