// verify: is a compressed output intact? Manifest valid, every artifact's sha256 as recorded, every frame
// decoding to its recorded hash. Reports problems instead of throwing, so a user sees all of them.
import type { Storage } from '../ground/storage.ts';
import { loadManifest, manifestKeyOf, readChecked } from './artifacts.ts';
import { AdreelError } from '../ground/errors.ts';
import { decodeCheckedFrames } from './restore.ts';

export interface VerifyResult {
  ok: boolean;
  frames: number;
  problems: string[];
}

export async function verifyOutput(
  store: Storage,
  onProgress?: (stage: string, done: number, total: number) => void,
  /** a digest recorded elsewhere (from `inspect`): the only defence here against a manifest rewritten with its digest */
  expectedDigest?: string,
): Promise<VerifyResult> {
  const problems: string[] = [];
  let manifest;
  try {
    manifest = await loadManifest(store);
  } catch (err) {
    return { ok: false, frames: 0, problems: [(err as Error).message] };
  }
  if (expectedDigest !== undefined && manifest.digest !== expectedDigest) {
    problems.push(
      `${store.description}/${manifestKeyOf(manifest.version)}: digest ${manifest.digest?.slice(0, 16) ?? '(none, version 1)'}... is not the expected ${expectedDigest.slice(0, 16)}...: the manifest was replaced`,
    );
  }
  const checks: [string, string][] = [[manifest.reference.file, manifest.reference.sha256]];
  if (manifest.reference.maskFile && manifest.reference.maskSha256) checks.push([manifest.reference.maskFile, manifest.reference.maskSha256]);
  if (manifest.mask) checks.push([manifest.mask.file, manifest.mask.sha256]);
  for (const [file, sha] of checks) {
    try {
      await readChecked(store, file, sha);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  let frames = 0;
  try {
    for await (const { total } of decodeCheckedFrames(store, manifest)) onProgress?.('verify', ++frames, total);
  } catch (err) {
    if (!(err instanceof AdreelError)) throw err;
    problems.push(err.message);
  }
  return { ok: problems.length === 0, frames, problems };
}
