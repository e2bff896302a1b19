// The main job on data the project generates: no AWS account, no ../shared. Generates screw-like objects at random
// poses, compresses them, restores them and verifies the output (the CLI path), then runs the SAME images through
// the serverless pipeline on this machine (the cloud path: s3rver on 127.0.0.1, the synthesized state machine in
// aws-local-stepfunctions, the real handlers) and checks that its restore decodes to the CLI's pixels.
// Both paths use the same compress options, with x265's threads pinned, so their reels are bit-identical.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compressFolder } from '../local-runs.ts';
import { CompressOptionsSchema } from '../../core/compress/options.ts';
import { DatasetError } from '../../ground/errors.ts';
import { encodePng } from '../../core/image-io.ts';
import { restoreFrames } from '../../core/restore.ts';
import { StagedFolder } from '../../core/staged-folder.ts';
import { generateSyntheticDataset } from '../../core/synthetic/objects.ts';
import { verifyOutput } from '../../core/verify.ts';
import { LocalStorage } from '../../storage/local.ts';
import { bytes, seconds } from '../format.ts';
import type { Command } from '../command.ts';
import { createProgress } from '../progress.ts';
import { intOption, optionFlagConfig, parseOptionFlags, stringOption } from './args.ts';

export const runDemo: Command = {
  usage: 'demo [--dir DIR] [--count N] [--size PX] [--crf N] [--seed N] [--no-cloud] [--quiet]   (generate, compress, restore, verify; then the same data through the local serverless pipeline)',
  positionals: 0,
  options: {
    dir: { type: 'string' },
    count: { type: 'string' },
    size: { type: 'string' },
    ...optionFlagConfig(['crf']),
    seed: { type: 'string' },
    quiet: { type: 'boolean' },
    'no-cloud': { type: 'boolean' },
  },
  async run(_p, v) {
    const dir = resolve(stringOption(v.dir) ?? 'out/demo');
    const count = intOption(v.count, '--count', 2, 100_000) ?? 48;
    const size = intOption(v.size, '--size', 64, 4096) ?? 384;
    const seed = intOption(v.seed, '--seed', 0, 2 ** 31 - 1) ?? 1;
    const cloud = !v['no-cloud'];
    // one set of options for both paths; pinned threads make the reel reproducible, hence the pixel comparison
    const { options } = parseOptionFlags(CompressOptionsSchema.transform((o) => ({ ...o, threads: 1 })), v, ['crf']);
    const progress = createProgress(!v.quiet);
    const input = join(dir, 'input');
    const out = join(dir, 'reel');
    const restored = join(dir, 'restored');
    await clearDemoDir(dir);
    const t0 = performance.now();

    const staged = await StagedFolder.open(input);
    let n = 0;
    for await (const item of generateSyntheticDataset({ count, width: size, height: size, kind: 'screw', seed })) {
      await staged.write(item.name, await encodePng(item.image));
      progress.onProgress('generate', ++n, count);
    }
    await staged.commit();
    const tGenerate = performance.now();

    const summary = await compressFolder(input, out, options, { onProgress: progress.onProgress });
    const tRestore = performance.now();
    const restoredFolder = await StagedFolder.open(restored);
    for await (const f of restoreFrames(new LocalStorage(out), { onProgress: progress.onProgress })) {
      await restoredFolder.write(f.fileName, f.png);
    }
    await restoredFolder.commit();
    const tVerify = performance.now();
    const verified = await verifyOutput(new LocalStorage(out), progress.onProgress);
    const tCli = performance.now();
    progress.stop();
    const scores = summary.manifest.frames.map((f) => f.alignment?.score ?? 1);
    const lines = [
      `adreel demo: ${count} generated ${size}x${size} screw images in ${input} (generated in ${s(tGenerate - t0)})`,
      `CLI path (compress, restore, verify; crf ${options.crf}, threads 1):`,
      `  compress  ${summary.frames} frames, input ${bytes(summary.inputBytes)} -> output ${bytes(summary.outputBytes)}, ratio ${summary.ratio.toFixed(1)}x (reel ${bytes(summary.reelBytes)}, reel-only ratio ${summary.reelRatio.toFixed(1)}x)`,
      `            PSNR in mask ${summary.psnrDb.toFixed(2)} dB, union ${(100 * (summary.unionFraction ?? 1)).toFixed(1)}% of the frame, alignment score min ${Math.min(...scores).toFixed(3)}`,
      `            ${seconds(summary.seconds)}`,
      `  restore   ${restoredFolder.count} PNGs -> ${restored} in ${s(tVerify - tRestore)}`,
      `  verify    ${verified.ok ? 'intact' : `NOT intact: ${verified.problems.join('; ')}`} (${verified.frames} frames checked) -> ${out} in ${s(tCli - tVerify)}`,
      `  total     ${s(tCli - tGenerate)}`,
    ];
    let ok = verified.ok && restoredFolder.count === summary.frames;

    if (cloud) {
      if (!v.quiet) process.stderr.write('[adreel] cloud: local serverless pipeline (s3rver, synthesized state machine, real handlers)...\n');
      lines.push('cloud path (local: s3rver on 127.0.0.1, the synthesized state machine in aws-local-stepfunctions, the real handlers):');
      try {
        // loaded only here: the local pipeline pulls in aws-cdk-lib, s3rver and aws-local-stepfunctions
        const { runLocalCloud, pixelHashesOfFolder, sameHashes } = await import('../../../infra/local/harness.ts');
        const run = await runLocalCloud({ folder: input, dataset: 'demo/screws', options, outputPrefix: 'restored/demo-screws' });
        const cliHashes = await pixelHashesOfFolder(restored);
        const identical = run.status === 'SUCCEEDED' && sameHashes(run.hashes, cliHashes);
        lines.push(
          `  execution ${run.status}${run.error ? ` (${run.error.name}: ${run.error.cause})` : ''} in ${run.seconds.toFixed(1)}s: upload ${run.uploaded} images + _READY ${run.uploadSeconds.toFixed(1)}s, state machine ${run.executionSeconds.toFixed(1)}s, restore handler ${run.restoreSeconds.toFixed(1)}s (setup: s3rver + synth ${run.setupSeconds.toFixed(1)}s)`,
          `            in the task handlers (summed over invocations, which overlap in the Map): ${seconds(run.stateSeconds)}`,
          `  restore   ${run.restore?.frames ?? 0} frames -> ${run.restore?.manifestS3Uri ?? '(none)'}`,
          `  pixels identical to CLI: ${identical ? 'yes' : 'no'}`,
        );
        ok &&= identical && run.restore?.frames === summary.frames;
      } catch (err) {
        lines.push(`  FAILED: ${(err as Error).stack ?? err}`);
        ok = false;
      }
    } else {
      lines.push('cloud path: skipped (--no-cloud)');
    }
    lines.push(`demo ${ok ? 'OK' : 'FAILED'} in ${s(performance.now() - t0)}`);
    console.log(lines.join('\n'));
    return ok ? 0 : 1;
  },
};

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

const DEMO_MARKER = '.adreel-demo';

/** The demo folder is replaced on each run, but only when it is new, empty, or an earlier demo's (its marker). */
async function clearDemoDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw new DatasetError('holds files that are not an earlier adreel demo; choose another --dir (the demo replaces its folder)', dir);
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, DEMO_MARKER), 'written by adreel demo; the next demo run replaces this folder\n');
}
