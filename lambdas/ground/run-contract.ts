// The run contract shared by the CLI's upload, the stack, the handlers and the local harness: the marker that starts
// a run, what a dataset may be called, and how a run is named. Ground layer: imports nothing of adreel's own (the
// marker's options schema is options.ts's MarkerOptionsSchema, which imports nothing either).
import { z } from 'zod';

/** The object written last under `<dataset>/` in the ingest bucket; its creation starts a run. */
export const MARKER = '_READY';

/** One segment of a dataset name: letters, digits, '.', '_', '-'; not starting with '.' (so never '.' or '..'). */
const NAME_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
export const MAX_DATASET_NAME = 200;

/** Whether `name` is '/'-separated segments, each NAME_SEGMENT. Linear time: split, then one anchored class per segment. */
export function isDatasetName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_DATASET_NAME && name.split('/').every((s) => NAME_SEGMENT.test(s));
}

/** A dataset name: '/'-separated segments of letters, digits, '.', '_', '-' (no '.' or '..' segments). */
export const DatasetName = z.string().refine(isDatasetName, 'dataset: letters, digits, ".", "_", "-" and "/" between segments');

/**
 * A key prefix below `root` (e.g. "restored/"): `root` then dataset-name segments, an optional trailing '/'
 * dropped. Linear time like DatasetName.
 */
export function prefixBelow(root: `${string}/`) {
  return z
    .string()
    .refine((p) => {
      const rest = p.startsWith(root) ? p.slice(root.length).replace(/\/$/, '') : '';
      return rest.length > 0 && isDatasetName(rest);
    }, `must be below ${root} (letters, digits, ".", "_", "-" and "/" between segments)`)
    .transform((p) => p.replace(/\/$/, ''));
}

/** The execution name (deterministic, see handlers/start.ts): 1-80 of [A-Za-z0-9_-]. */
export const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);

export const RunRef = z.object({ dataset: DatasetName, runId: RunId });
export type RunRef = z.infer<typeof RunRef>;
