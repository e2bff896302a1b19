// The local composition of the core's folder runs: each is bound to LocalStorage as the way to open a folder, so
// the core itself imports only the Storage port (lambdas/ground/storage.ts). The CLI, bench and tests call these.
import * as run from '../core/compress/compress-folder.ts';
import * as transform from '../core/transform-folder.ts';
import type { OpenFolder } from '../ground/storage.ts';
import type { CompressOptions } from '../core/compress/options.ts';
import { openBackboneFeatures } from '../eval/image-features.ts';
import { LocalStorage } from '../storage/local.ts';

export const openLocalFolder: OpenFolder = (dir) => new LocalStorage(dir);

type Bound<F> = F extends (open: OpenFolder, ...rest: infer A) => infer R ? (...rest: A) => R : never;

/** --quality auto looks through the PaDiM backbone (--backbone, else ADREEL_BACKBONE or ../shared). */
const withBackbone = <H extends run.RunHooks>(hooks: H = {} as H): H => ({ qualityFeatures: (o: CompressOptions) => openBackboneFeatures(o.backbonePath), ...hooks });

export const compressFolder: Bound<typeof run.compressFolder> = (inputDir, outDir, options, hooks) =>
  run.compressFolder(openLocalFolder, inputDir, outDir, options, withBackbone(hooks));
export const compressClasses: Bound<typeof run.compressClasses> = (inputDir, outDir, options, hooks) =>
  run.compressClasses(openLocalFolder, inputDir, outDir, options, withBackbone(hooks));
export const listClasses: Bound<typeof run.listClasses> = (...a) => run.listClasses(openLocalFolder, ...a);
export const resolveInputFolder: Bound<typeof run.resolveInputFolder> = (...a) => run.resolveInputFolder(openLocalFolder, ...a);
export const summarizeOutput: Bound<typeof run.summarizeOutput> = (...a) => run.summarizeOutput(openLocalFolder, ...a);
export const transformFolder: Bound<typeof transform.transformFolder> = (...a) => transform.transformFolder(openLocalFolder, ...a);
