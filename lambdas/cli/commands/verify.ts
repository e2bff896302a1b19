import { LocalStorage } from '../../storage/local.ts';
import { verifyOutput } from '../../core/verify.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';

export const runVerify: Command = {
  usage: 'verify <outDir> [--quiet]   (exit 0 intact, 1 damaged, 2 usage)',
  positionals: 1,
  options: { quiet: { type: 'boolean' } },
  async run([outDir], v) {
    const progress = createProgress(!v.quiet);
    const r = await verifyOutput(new LocalStorage(outDir), progress.onProgress);
    progress.stop();
    if (r.ok) {
      console.log(`adreel: ${outDir} is intact (${r.frames} frames checked)`);
      return 0;
    }
    for (const p of r.problems) console.error(`adreel verify: ${p}`);
    console.error(`adreel: ${outDir} is NOT intact (${r.problems.length} problem(s))`);
    return 1;
  },
};
