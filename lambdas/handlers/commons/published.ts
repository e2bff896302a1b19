// Opening the current published run of a dataset (through LATEST.json), checked: the manifest must be the one the
// pointer was written for.
import { readManifestFile } from '../../core/artifacts.ts';
import { IntegrityError } from '../../ground/errors.ts';
import { sha256 } from '../../core/hash.ts';
import type { Storage } from '../../ground/storage.ts';
import type { HandlerDeps } from './deps.ts';
import { pointerKey, type LatestPointer } from './layout.ts';
import { readJson } from './run-state.ts';

export async function openPublished(deps: HandlerDeps, dataset: string): Promise<{ store: Storage; pointer: LatestPointer }> {
  const out = deps.output();
  const key = pointerKey(dataset);
  if (!(await out.head(key))) throw new IntegrityError(`${out.description}/${key}`, `dataset "${dataset}" has no published run`);
  const pointer = await readJson<LatestPointer>(out, key);
  const store = deps.output(pointer.prefix);
  const manifest = await readManifestFile(store);
  if (sha256(manifest.bytes) !== pointer.manifestSha256) {
    throw new IntegrityError(`${store.description}/${manifest.key}`, 'manifest differs from the one published: tampered or replaced');
  }
  return { store, pointer };
}
