import { z } from 'zod';
import { compressFolder } from '../../core/compress/compress-folder.ts';
import { CompressOptionsSchema } from '../../core/compress/options.ts';
import { UsageError } from '../../core/errors.ts';
import { bytes, seconds } from '../format.ts';
import type { Command } from '../main.ts';
import { createProgress } from '../progress.ts';
import { intOption, stringOption } from './args.ts';

export const runCompress: Command = {
  usage:
    'compress <inputDir> <outDir> [--crf N | --lossless] [--preset P] [--x265 "k=v:..."] [--segmenter auto|threshold|model] ' +
    '[--model PATH] [--margin PX] [--reference NAME] [--no-align] [--no-mask] [--no-crop] [--on-align-failure fail|keep|drop] [--threads N] [--json] [--quiet]',
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
    });
    if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
    const progress = createProgress(!v.quiet);
    const s = await compressFolder(inputDir, outDir, parsed.data, {
      onProgress: progress.onProgress,
      log: v.quiet ? undefined : (m) => process.stderr.write(`[adreel] ${m}\n`),
    });
    progress.stop();
    for (const w of s.warnings) process.stderr.write(`[adreel] warning: ${w}\n`);
    if (v.json) {
      const { manifest: _m, ...rest } = s;
      console.log(JSON.stringify({ ...rest, psnrDb: Number.isFinite(s.psnrDb) ? s.psnrDb : null }, null, 2));
    } else {
      const psnr = Number.isFinite(s.psnrDb) ? `${s.psnrDb.toFixed(2)} dB` : 'lossless';
      const union = s.unionFraction === null ? 'no mask' : `union ${(100 * s.unionFraction).toFixed(1)}%`;
      console.log(
        `adreel: ${s.frames} frames${s.dropped ? ` (${s.dropped} dropped)` : ''} -> reel ${bytes(s.reelBytes)}, output ${bytes(s.outputBytes)}, ` +
          `input ${bytes(s.inputBytes)}, ratio ${s.ratio.toFixed(1)}x, PSNR in mask ${psnr}, ${union}; ${seconds(s.seconds)} -> ${s.outDir}`,
      );
    }
    return 0;
  },
};
