// Usage: node --import tsx bench/encode-baseline.ts <framesDir> [--crf N] [--lossless] [--preset P]
//        [--limit N] [--runs N] [--threads N]
// Prints encodeHevc's wall time and bytes next to a bare ffmpeg encode of the same PNGs with the same settings.
import { parseArgs } from 'node:util';
import { compareWithBareFfmpeg } from './lib/encode-baseline.ts';
import { encoderSettings, type X265Preset } from '../lambdas/core/compress/options.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    crf: { type: 'string' },
    lossless: { type: 'boolean', default: false },
    preset: { type: 'string' },
    limit: { type: 'string' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string' },
  },
});

const framesDir = positionals[0];
if (!framesDir) {
  console.error('usage: bench/encode-baseline.ts <framesDir> [--crf N] [--lossless] [--preset P] [--limit N] [--runs N] [--threads N]');
  process.exit(2);
}
const optionalInt = (text: string | undefined) => (text === undefined ? undefined : Number(text));

const result = await compareWithBareFfmpeg({
  framesDir,
  runs: Number(values.runs),
  limit: optionalInt(values.limit),
  opts: encoderSettings({
    crf: optionalInt(values.crf),
    lossless: values.lossless,
    preset: values.preset as X265Preset | undefined,
    threads: optionalInt(values.threads),
  }),
});

const settings = values.lossless ? 'lossless' : `crf ${values.crf ?? 28}`;
console.log(`${result.frames} frames ${result.width}x${result.height}x${result.channels}, ${settings}, median of ${result.runs}`);
console.log(`  adreel encodeHevc : ${result.adreelSeconds.toFixed(2)} s  ${result.adreelBytes} B`);
console.log(`  bare ffmpeg       : ${result.bareSeconds.toFixed(2)} s  ${result.bareBytes} B`);
console.log(`  time ratio adreel/bare: ${result.ratio.toFixed(2)}  identical HEVC packets: ${result.samePackets}`);
