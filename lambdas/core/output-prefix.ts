// Output safety in object storage (the cloud restore and transform): a non-empty output prefix is refused unless
// the caller asks to overwrite, and `adreel.manifest`, written last, marks a complete result (an overwrite removes
// it first, so a reader never takes a half-rewritten prefix for a complete one).
import type { Storage } from '../ground/storage.ts';
import { DatasetError } from '../ground/errors.ts';

/** SageMaker ManifestFile listing every output; written last, so its presence means the result is complete. */
export const COMPLETE_MARKER = 'adreel.manifest';

export async function prepareOutputPrefix(dest: Storage, overwrite: boolean): Promise<void> {
  const existing = await dest.list('');
  if (existing.length === 0) return;
  if (!overwrite) {
    const shown = existing.slice(0, 3).map((o) => JSON.stringify(o.key)).join(', ');
    throw new DatasetError(
      `output prefix is not empty (${existing.length} object${existing.length === 1 ? '' : 's'}: ${shown}${existing.length > 3 ? ', ...' : ''}); ` +
        'choose a new prefix, or pass "overwrite": true to replace what is there',
      dest.description,
    );
  }
  await dest.deletePrefix(COMPLETE_MARKER);
}

/** The completeness marker: `[{"prefix": "s3://bucket/prefix/"}, file, ...]`. */
export function completeMarker(prefixUri: string, files: string[]): Buffer {
  return Buffer.from(JSON.stringify([{ prefix: prefixUri }, ...files], null, 1));
}
