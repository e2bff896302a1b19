// restore-segment: the restore function's fan-out worker. Decodes the part of a frame range held by ONE reel
// segment of a published run, checks every frame against the manifest, and writes the PNGs under `outputPrefix`.
// The restore function invokes one per segment it needs (in parallel) and writes the SageMaker manifest itself.
import { z } from 'zod';
import { parseManifestAt, readManifestFile } from '../core/artifacts.ts';
import { IntegrityError } from '../ground/errors.ts';
import { sha256 } from '../core/hash.ts';
import { restoreSegment } from '../core/restore.ts';
import { defaultDeps, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, prefixBelow, RunId } from '../ground/run-contract.ts';
import { RESTORED_PREFIX, runPrefix } from './commons/layout.ts';

export const RestoreSegmentEvent = z.object({
  dataset: DatasetName,
  runId: RunId,
  /** the manifest the coordinator planned with: a run replaced meanwhile is refused, never mixed */
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  outputPrefix: prefixBelow(RESTORED_PREFIX),
  segment: z.number().int().min(0),
  frames: z.object({ first: z.number().int().min(0), last: z.number().int().min(0) }),
});
export type RestoreSegmentEvent = z.input<typeof RestoreSegmentEvent>;

export interface RestoreSegmentResult {
  segment: number;
  frames: number;
}

export function createRestoreSegmentHandler(deps: () => HandlerDeps = defaultDeps) {
  return defineHandler('restoreSegment', RestoreSegmentEvent, async (event): Promise<RestoreSegmentResult> => {
    const d = deps();
    const store = d.output(runPrefix(event));
    const { key, bytes } = await readManifestFile(store);
    const where = `${store.description}/${key}`;
    if (sha256(bytes) !== event.manifestSha256) throw new IntegrityError(where, 'manifest differs from the one the restore was planned with');
    const manifest = parseManifestAt(key, bytes, where);
    const dest = d.output(event.outputPrefix);
    const frames = await restoreSegment(store, manifest, event.segment, event.frames, (f) => dest.put(f.fileName, f.png));
    return { segment: event.segment, frames };
  });
}

export const handler = createRestoreSegmentHandler();
