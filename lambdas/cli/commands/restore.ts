import { LocalStorage } from '../../storage/local.ts';
import { loadManifest } from '../../core/artifacts.ts';
import { parseFrameRange, restoreFramesParallel } from '../../core/restore.ts';
import { withScratchRoot } from '../../core/scratch.ts';
import { StagedFolder } from '../../core/staged-folder.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';
import { intOption, stringOption } from './args.ts';

export const runRestore: Command = {
  usage: 'restore <outDir> <destDir> [--frames A-B] [--original-geometry] [--jobs N] [--overwrite] [--quiet]',
  positionals: 2,
  options: {
    frames: { type: 'string' },
    'original-geometry': { type: 'boolean' },
    jobs: { type: 'string' },
    overwrite: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run([outDir, destDir], v) {
    // flags are checked before anything is read; an empty --frames is an error, not "every frame"
    const framesText = stringOption(v.frames);
    if (framesText !== undefined) parseFrameRange(framesText);
    const jobs = intOption(v.jobs, '--jobs', 1, 64);
    const store = new LocalStorage(outDir);
    const manifest = await loadManifest(store);
    const frames = framesText !== undefined ? parseFrameRange(framesText, manifest.frames.length) : undefined;
    // destDir must be new or empty (or, with --overwrite, an earlier restore's), and not inside outDir or around it
    const staged = await StagedFolder.open(destDir, {
      overwrite: Boolean(v.overwrite),
      disjointFrom: [{ path: outDir, role: 'adreel output folder' }],
      log: v.quiet ? undefined : (m) => process.stderr.write(`[adreel] ${m}\n`),
    });
    const progress = createProgress(!v.quiet);
    const t0 = performance.now();
    let segments: number[] = [];
    try {
      // segment by segment, `jobs` ffmpeg decoders at a time, reading only the segments that hold the range
      ({ segments } = await withScratchRoot(staged.scratch, () => restoreFramesParallel(store, (f) => staged.write(f.fileName, f.png), {
        manifest,
        frames,
        concurrency: jobs,
        originalGeometry: Boolean(v['original-geometry']),
        onProgress: progress.onProgress,
      })));
      await staged.commit();
    } catch (err) {
      await staged.abort();
      throw err;
    } finally {
      progress.stop();
    }
    const segText = manifest.reels.length > 1 ? ` from ${segments.length} of ${manifest.reels.length} segments` : '';
    console.log(`adreel: restored ${staged.count} frames${segText} to ${destDir} in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    return 0;
  },
};
