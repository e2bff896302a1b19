import { evaluateCategory } from '../../eval/evaluate.ts';
import type { Command } from '../main.ts';
import { createProgress } from '../progress.ts';
import { intOption, stringOption } from './args.ts';

export const runEval: Command = {
  usage: 'eval <categoryDir> [--backbone PATH] [--seed N] [--json]   (PaDiM image/pixel AUROC, MVTec layout)',
  positionals: 1,
  options: { backbone: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } },
  async run([dir], v) {
    const progress = createProgress(!v.quiet && !v.json);
    const r = await evaluateCategory(dir, {
      backbone: stringOption(v.backbone),
      seed: intOption(v.seed, '--seed', 0, 2 ** 31 - 1),
      onProgress: progress.onProgress,
    });
    progress.stop();
    if (v.json) console.log(JSON.stringify(r, null, 2));
    else
      console.log(
        `adreel eval: image AUROC ${r.imageAuroc.toFixed(4)}, pixel AUROC ${r.pixelAuroc.toFixed(4)} (seed ${r.seed}, ` +
          `${r.trainCount} train / ${r.testCount} test, ${r.seconds.total.toFixed(1)}s)`,
      );
    return 0;
  },
};
