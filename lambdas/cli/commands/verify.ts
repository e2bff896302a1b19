import { LocalStorage } from '../../storage/local.ts';
import { UsageError } from '../../ground/errors.ts';
import { verifyOutput } from '../../core/verify.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';
import { stringOption } from './args.ts';

export const runVerify: Command = {
  usage: 'verify <outDir> [--expect-digest HEX] [--quiet]   (exit 0 intact, 1 damaged, 2 usage)',
  positionals: 1,
  options: { 'expect-digest': { type: 'string' }, quiet: { type: 'boolean' } },
  async run([outDir], v) {
    // a digest recorded elsewhere (printed by inspect) also catches a manifest rewritten together with its digest
    const expected = stringOption(v['expect-digest']);
    if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) throw new UsageError('--expect-digest expects the 64 hex characters `inspect` prints');
    const progress = createProgress(!v.quiet);
    const r = await verifyOutput(new LocalStorage(outDir), progress.onProgress, expected);
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
