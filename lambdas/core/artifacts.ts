// Reading a compressed output back: the manifest, and each artifact checked against its recorded sha256.
import type { Storage } from '../ground/storage.ts';
import { IntegrityError } from '../ground/errors.ts';
import { sha256 } from './hash.ts';
import { expandCompactReference } from './compact-reference.ts';
import { decodeImage, decodeMask } from './image-io.ts';
import { parseManifest, type Manifest } from './manifest.ts';
import { KEYS } from './compress/job.ts';
import type { Image, Mask } from './types.ts';

export async function loadManifest(store: Storage): Promise<Manifest> {
  const where = `${store.description}/${KEYS.manifest}`;
  if (!(await store.head(KEYS.manifest))) {
    throw new IntegrityError(where, 'no manifest.json: not an adreel output, or an incomplete one');
  }
  let json: unknown;
  try {
    json = JSON.parse((await store.get(KEYS.manifest)).toString('utf8'));
  } catch (err) {
    throw new IntegrityError(where, `not valid JSON (${(err as Error).message}); truncated or damaged`);
  }
  return parseManifest(json, where);
}

/** Reads an artifact and refuses it when its bytes differ from the manifest's record. */
export async function readChecked(store: Storage, file: string, expectedSha256: string): Promise<Buffer> {
  const where = `${store.description}/${file}`;
  if (!(await store.head(file))) throw new IntegrityError(where, 'missing');
  const bytes = await store.get(file);
  const actual = sha256(bytes);
  if (actual !== expectedSha256) {
    throw new IntegrityError(where, `sha256 ${actual.slice(0, 16)}... differs from the manifest's ${expectedSha256.slice(0, 16)}...: damaged or tampered`);
  }
  return bytes;
}

export async function loadReference(store: Storage, m: Manifest): Promise<Image> {
  const bytes = await readChecked(store, m.reference.file, m.reference.sha256);
  const { layout } = m.reference;
  if (!layout) return (await decodeImage(bytes, m.reference.file)).image;
  const width = m.frame.scale?.referenceWidth ?? m.frame.width;
  const height = m.frame.scale?.referenceHeight ?? m.frame.height;
  return expandCompactReference(bytes, layout, width, height, m.frame.mode, m.reference.file);
}

export async function loadUnionMask(store: Storage, m: Manifest): Promise<Mask | undefined> {
  if (!m.mask) return undefined;
  return decodeMask(await readChecked(store, m.mask.file, m.mask.sha256), m.mask.file);
}

/** The reference's object mask is needed to align new images; it is not part of the training data itself. */
export async function loadReferenceMask(store: Storage, m: Manifest): Promise<Mask> {
  const { maskFile, maskSha256 } = m.reference;
  if (!maskFile || !maskSha256) {
    throw new IntegrityError(`${store.description}/${KEYS.manifest}`, 'records no reference mask (needed to align new images)');
  }
  return decodeMask(await readChecked(store, maskFile, maskSha256), maskFile);
}
