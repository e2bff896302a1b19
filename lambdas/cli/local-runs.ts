// The local composition of the core's folder runs: each is bound to LocalStorage as the way to open a folder, so
// the core itself imports only the Storage port (lambdas/ground/storage.ts). The CLI, bench and tests call these.
import * as run from '../core/compress/compress-folder.ts';
import * as transform from '../core/transform-folder.ts';
import type { OpenFolder } from '../ground/storage.ts';
import { LocalStorage } from '../storage/local.ts';

export const openLocalFolder: OpenFolder = (dir) => new LocalStorage(dir);

type Bound<F> = F extends (open: OpenFolder, ...rest: infer A) => infer R ? (...rest: A) => R : never;

export const compressFolder: Bound<typeof run.compressFolder> = (...a) => run.compressFolder(openLocalFolder, ...a);
export const compressClasses: Bound<typeof run.compressClasses> = (...a) => run.compressClasses(openLocalFolder, ...a);
export const listClasses: Bound<typeof run.listClasses> = (...a) => run.listClasses(openLocalFolder, ...a);
export const resolveInputFolder: Bound<typeof run.resolveInputFolder> = (...a) => run.resolveInputFolder(openLocalFolder, ...a);
export const summarizeOutput: Bound<typeof run.summarizeOutput> = (...a) => run.summarizeOutput(openLocalFolder, ...a);
export const transformFolder: Bound<typeof transform.transformFolder> = (...a) => transform.transformFolder(openLocalFolder, ...a);
