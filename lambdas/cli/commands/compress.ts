import { compressClasses, compressFolder, listClasses } from '../local-runs.ts';
import { RUN_SUMMARY_FILE } from '../../core/run-summary.ts';
import { CompressOptionsSchema } from '../../core/compress/options.ts';
import { bytes, overheadText, seconds } from '../format.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';
import { flaggedOptions, intOption, optionFlagConfig, optionUsage, parseOptionFlags } from './args.ts';

/** Every compress option has a flag (options.ts owns them); the rest are the command's own. */
const OPTION_KEYS = flaggedOptions();

export const runCompress: Command = {
  usage:
    `compress <inputDir> <outDir> ${optionUsage(OPTION_KEYS)} [--jobs N] [--json] [--quiet]\n` +
    '  inputDir may be a folder of images, an MVTec category, or an MVTec root of categories (then <outDir>/<class>/ per class and <outDir>/summary.json)',
  positionals: 2,
  options: {
    ...optionFlagConfig(OPTION_KEYS),
    jobs: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run([inputDir, outDir], v) {
    const { options } = parseOptionFlags(CompressOptionsSchema, v, OPTION_KEYS);
    const jobs = intOption(v.jobs, '--jobs', 1, 64);
    const progress = createProgress(!v.quiet);
    const hooks = {
      onProgress: progress.onProgress,
      log: v.quiet ? undefined : (m: string) => process.stderr.write(`[adreel] ${m}\n`),
      encodeConcurrency: jobs,
    };
    const classes = await listClasses(inputDir);
    if (classes) {
      // an MVTec root: one complete output per class, classes in parallel, one summary for the run
      const run = await compressClasses(inputDir, outDir, options, { ...hooks, classes });
      progress.stop();
      for (const c of run.classes) for (const w of c.warnings) process.stderr.write(`[adreel] ${c.class}: warning: ${w}\n`);
      if (v.json) {
        console.log(JSON.stringify(run, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2));
      } else {
        for (const c of run.classes) {
          console.log(
            `adreel: ${c.class}: ${c.frames} frames -> output ${bytes(c.outputBytes)}, ratio ${c.ratio.toFixed(1)}x ` +
              `(reel ${bytes(c.reelBytes)} in ${c.segments} segment(s), reel-only ratio ${c.reelRatio.toFixed(1)}x) -> ${c.outDir}`,
          );
        }
        const t = run.totals;
        console.log(
          `adreel: ${t.classes} classes, ${t.frames} frames, input ${bytes(t.inputBytes)} -> output ${bytes(t.outputBytes)} (ratio ${t.ratio.toFixed(1)}x; ` +
            `reels ${bytes(t.reelBytes)}, reel-only ratio ${t.reelRatio.toFixed(1)}x) ` +
            `in ${(run.seconds ?? 0).toFixed(1)}s; summary ${outDir}/${RUN_SUMMARY_FILE}`,
        );
      }
      return 0;
    }
    const s = await compressFolder(inputDir, outDir, options, hooks);
    progress.stop();
    for (const w of s.warnings) process.stderr.write(`[adreel] warning: ${w}\n`);
    if (v.json) {
      const { manifest: _m, ...rest } = s;
      console.log(JSON.stringify({ ...rest, psnrDb: Number.isFinite(s.psnrDb) ? s.psnrDb : null }, null, 2));
    } else {
      const psnr = Number.isFinite(s.psnrDb) ? `${s.psnrDb.toFixed(2)} dB` : 'lossless';
      const union = s.unionFraction === null ? 'no mask' : `union ${(100 * s.unionFraction).toFixed(1)}%`;
      console.log(
        `adreel: ${s.frames} frames${s.dropped ? ` (${s.dropped} dropped)` : ''}, input ${bytes(s.inputBytes)} -> output ${bytes(s.outputBytes)}, ratio ${s.ratio.toFixed(1)}x ` +
          `(reel ${bytes(s.reelBytes)}${s.segments > 1 ? ` in ${s.segments} segments` : ''}, reel-only ratio ${s.reelRatio.toFixed(1)}x; ${overheadText(s.overhead)}), ` +
          `PSNR in mask ${psnr}, ${union}; ${seconds(s.seconds)} -> ${s.outDir}`,
      );
    }
    return 0;
  },
};
