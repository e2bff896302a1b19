// Reading a compressed output back: the manifest, and each artifact checked against its recorded sha256.
import type { Storage } from '../ground/storage.ts';
import { IntegrityError } from '../ground/errors.ts';
import { sha256 } from './hash.ts';
import { expandCompactReference } from './compact-reference.ts';
import { decodeImage, decodeMask } from './image-io.ts';
import { MANIFEST_JSON_VERSIONS, parseManifestFile, type Manifest } from './manifest.ts';
import { KEYS } from './compress/job.ts';
import type { Image, Mask } from './types.ts';

/** The files a manifest may be, newest format first, with the format each holds. */
const MANIFEST_FILES = [
  { key: KEYS.manifest, format: 'binary' },
  { key: KEYS.manifestJson, format: 'json' },
] as const;

/** The file a manifest of `version` is written to (and an output of that version owns). */
export function manifestKeyOf(version: number): string {
  return (MANIFEST_JSON_VERSIONS as readonly number[]).includes(version) ? KEYS.manifestJson : KEYS.manifest;
}

/** Whether `key` is a manifest file of any version (inspect counts it as "manifest"). */
export function isManifestKey(key: string): boolean {
  return MANIFEST_FILES.some((f) => f.key === key);
}

/**
 * The manifest file among `keys` (an output's files), or undefined when there is none. An output holds exactly one:
 * a folder with both is refused (`where` names it), never read as whichever comes first.
 */
export function manifestKeyAmong(keys: Iterable<string>, where: string): string | undefined {
  const present = new Set(keys);
  const found = MANIFEST_FILES.filter((f) => present.has(f.key)).map((f) => f.key);
  if (found.length > 1) throw new IntegrityError(where, `holds both ${found.join(' and ')}: an adreel output has one manifest; edited, or files of two outputs mixed`);
  return found[0];
}

/** The key of `store`'s manifest, or undefined when it holds none (not an adreel output, or an incomplete one). */
export async function findManifestKey(store: Storage): Promise<string | undefined> {
  const present: string[] = [];
  for (const f of MANIFEST_FILES) if (await store.head(f.key)) present.push(f.key);
  return manifestKeyAmong(present, store.description);
}

/** Whether `store` holds an adreel manifest of any version (e.g. a bench skipping outputs it already built). */
export async function hasManifest(store: Storage): Promise<boolean> {
  return (await findManifestKey(store)) !== undefined;
}

/** The manifest file's key and bytes (what a pointer's manifestSha256 is computed over). */
export async function readManifestFile(store: Storage): Promise<{ key: string; bytes: Buffer }> {
  const key = await findManifestKey(store);
  if (!key) throw new IntegrityError(`${store.description}/${KEYS.manifest}`, `no ${KEYS.manifest} (nor ${KEYS.manifestJson} of an older version): not an adreel output, or an incomplete one`);
  return { key, bytes: await store.get(key) };
}

/** Validate the bytes of the manifest file `key` (a KEYS name); `where` names it in errors. */
export function parseManifestAt(key: string, bytes: Buffer, where: string): Manifest {
  const file = MANIFEST_FILES.find((f) => f.key === key);
  if (!file) throw new IntegrityError(where, 'is not a manifest file name');
  return parseManifestFile(bytes, file.format, where);
}

export async function loadManifest(store: Storage): Promise<Manifest> {
  const { key, bytes } = await readManifestFile(store);
  return parseManifestAt(key, bytes, `${store.description}/${key}`);
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
    throw new IntegrityError(`${store.description}/${manifestKeyOf(m.version)}`, 'records no reference mask (needed to align new images)');
  }
  return decodeMask(await readChecked(store, maskFile, maskSha256), maskFile);
}
