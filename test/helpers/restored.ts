// The pixels an output restores to, by file name (frameSha256 of each decoded PNG): what two outputs that must hold
// the same images are compared by.
import { frameSha256 } from '../../lambdas/core/hash.ts';
import { decodeImage } from '../../lambdas/core/image-io.ts';
import { restoreFrames } from '../../lambdas/core/restore.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';

export async function restoredByName(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const f of restoreFrames(new LocalStorage(dir))) out[f.fileName] = frameSha256((await decodeImage(f.png, f.fileName)).image);
  return out;
}
