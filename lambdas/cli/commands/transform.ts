import { transformFolder } from '../local-runs.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';
import { stringOption } from './args.ts';

export const runTransform: Command = {
  usage: 'transform <outDir> <inputDir> <destDir> [--model PATH] [--overwrite] [--quiet]',
  positionals: 3,
  options: { model: { type: 'string' }, overwrite: { type: 'boolean' }, quiet: { type: 'boolean' } },
  async run([outDir, inputDir, destDir], v) {
    const progress = createProgress(!v.quiet);
    let s;
    try {
      s = await transformFolder(outDir, inputDir, destDir, {
        modelPath: stringOption(v.model),
        overwrite: Boolean(v.overwrite),
        log: v.quiet ? undefined : (m) => process.stderr.write(`[adreel] ${m}\n`),
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    for (const w of s.warnings) process.stderr.write(`[adreel] warning: ${w}\n`);
    console.log(`adreel: transformed ${s.images} images and ${s.groundTruthMasks} ground-truth masks (${s.flagged} flagged) -> ${destDir}`);
    if (s.poseModel.summary) console.log(`adreel: ${s.poseFlagged} of ${s.images} images lie beyond the training poses (pose threshold ${s.poseModel.summary.threshold.value.toFixed(2)}, from the ${s.poseModel.source})`);
    else console.log(`adreel: no pose check: ${s.poseModel.reason}`);
    return 0;
  },
};
