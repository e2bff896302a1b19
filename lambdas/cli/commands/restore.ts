import { LocalStorage } from '../../storage/local.ts';
import { loadManifest } from '../../core/artifacts.ts';
import { parseFrameRange, restoreFrames } from '../../core/restore.ts';
import { StagedFolder } from '../../core/staged-folder.ts';
import type { Command } from '../main.ts';
import { createProgress } from '../progress.ts';
import { stringOption } from './args.ts';

export const runRestore: Command = {
  usage: 'restore <outDir> <destDir> [--frames A-B] [--original-geometry] [--quiet]',
  positionals: 2,
  options: { frames: { type: 'string' }, 'original-geometry': { type: 'boolean' }, quiet: { type: 'boolean' } },
  async run([outDir, destDir], v) {
    const store = new LocalStorage(outDir);
    const manifest = await loadManifest(store);
    const framesText = stringOption(v.frames);
    const frames = framesText ? parseFrameRange(framesText, manifest.frames.length) : undefined;
    const progress = createProgress(!v.quiet);
    const staged = new StagedFolder(destDir);
    const t0 = performance.now();
    try {
      for await (const f of restoreFrames(store, { frames, originalGeometry: Boolean(v['original-geometry']), onProgress: progress.onProgress })) {
        await staged.write(f.fileName, f.png);
      }
      await staged.commit();
    } catch (err) {
      await staged.abort();
      throw err;
    } finally {
      progress.stop();
    }
    console.log(`adreel: restored ${staged.count} frames to ${destDir} in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    return 0;
  },
};
