// The main job on data the project generates: no AWS account, no ../shared. Generates screw-like objects at random
// poses, compresses them, restores them, verifies the output and prints the summary.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compressFolder } from '../../core/compress/compress-folder.ts';
import { encodePng } from '../../core/image-io.ts';
import { restoreFrames } from '../../core/restore.ts';
import { StagedFolder } from '../../core/staged-folder.ts';
import { generateSyntheticDataset } from '../../core/synthetic/objects.ts';
import { verifyOutput } from '../../core/verify.ts';
import { LocalStorage } from '../../storage/local.ts';
import { bytes, seconds } from '../format.ts';
import type { Command } from '../main.ts';
import { createProgress } from '../progress.ts';
import { intOption, stringOption } from './args.ts';

export const runDemo: Command = {
  usage: 'demo [--dir DIR] [--count N] [--size PX] [--crf N] [--seed N]   (generate, compress, restore, verify)',
  positionals: 0,
  options: { dir: { type: 'string' }, count: { type: 'string' }, size: { type: 'string' }, crf: { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' } },
  async run(_p, v) {
    const dir = resolve(stringOption(v.dir) ?? 'out/demo');
    const count = intOption(v.count, '--count', 2, 100_000) ?? 48;
    const size = intOption(v.size, '--size', 64, 4096) ?? 512;
    const seed = intOption(v.seed, '--seed', 0, 2 ** 31 - 1) ?? 1;
    const progress = createProgress(!v.quiet);
    const input = join(dir, 'input');
    const out = join(dir, 'reel');
    const restored = join(dir, 'restored');
    await rm(dir, { recursive: true, force: true });

    const staged = new StagedFolder(input);
    let n = 0;
    for await (const item of generateSyntheticDataset({ count, width: size, height: size, kind: 'screw', seed })) {
      await staged.write(item.name, await encodePng(item.image));
      progress.onProgress('generate', ++n, count);
    }
    await staged.commit();

    const summary = await compressFolder(input, out, { crf: intOption(v.crf, '--crf', 0, 51) ?? 28 }, { onProgress: progress.onProgress });
    const restoredFolder = new StagedFolder(restored);
    for await (const f of restoreFrames(new LocalStorage(out), { onProgress: progress.onProgress })) {
      await restoredFolder.write(f.fileName, f.png);
    }
    await restoredFolder.commit();
    const verified = await verifyOutput(new LocalStorage(out), progress.onProgress);
    progress.stop();
    const scores = summary.manifest.frames.map((f) => f.alignment?.score ?? 1);
    console.log(
      [
        `adreel demo: ${count} generated ${size}x${size} screw images in ${input}`,
        `  compress  ${summary.frames} frames -> reel ${bytes(summary.reelBytes)} (output ${bytes(summary.outputBytes)}), input ${bytes(summary.inputBytes)}, ratio ${summary.ratio.toFixed(1)}x`,
        `            PSNR in mask ${summary.psnrDb.toFixed(2)} dB, union ${(100 * (summary.unionFraction ?? 1)).toFixed(1)}% of the frame, alignment score min ${Math.min(...scores).toFixed(3)}`,
        `            ${seconds(summary.seconds)}`,
        `  restore   ${restoredFolder.count} PNGs -> ${restored}`,
        `  verify    ${verified.ok ? 'intact' : `NOT intact: ${verified.problems.join('; ')}`} (${verified.frames} frames checked) -> ${out}`,
      ].join('\n'),
    );
    return verified.ok ? 0 : 1;
  },
};
