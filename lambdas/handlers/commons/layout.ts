// Where a run's objects live. Ingest bucket: `<dataset>/<images>` and the `<dataset>/_READY` marker (read only).
// Output bucket:
//   datasets/<dataset>/runs/<runId>/   the published artifacts of one run (manifest.bin written last)
//   datasets/<dataset>/LATEST.json     which run is current; written after the run's manifest, so readers never
//                                      see a run that is still being written
//   work/<dataset>/<runId>/.work/...   intermediates (expired by a lifecycle rule on work/)
//   restored/..., transformed/...      restore and transform outputs
// The stores over these (run, ingest, output) are built from the handlers' deps (./deps.ts).
import type { RunRef } from '../../ground/run-contract.ts';

export const RESTORED_PREFIX = 'restored/';
export const TRANSFORMED_PREFIX = 'transformed/';

export const pointerKey = (dataset: string) => `datasets/${dataset}/LATEST.json`;
export const runPrefix = (r: RunRef) => `datasets/${r.dataset}/runs/${r.runId}`;
export const workPrefix = (r: RunRef) => `work/${r.dataset}/${r.runId}`;

export interface LatestPointer {
  runId: string;
  /** prefix of the run's artifacts in the output bucket */
  prefix: string;
  manifestSha256: string;
  publishedAt: string;
}
