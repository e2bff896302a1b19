// verify: before anything is published, the reel as stored (not the encoder's local file) must have the size and
// sha256 the encoder recorded, and decode to exactly the recorded frames.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJob, KEYS } from '../core/compress/job.ts';
import { IntegrityError } from '../core/errors.ts';
import { frameSha256, sha256File } from '../core/hash.ts';
import { decodeHevc } from '../core/reel/decode.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef, runStore } from './commons/layout.ts';
import { readEncoded, readUnion } from './commons/run-state.ts';

export interface VerifyResult {
  frames: number;
  reelSha256: string;
}

export const handler = defineHandler('verify', RunRef, async (run): Promise<VerifyResult> => {
  const cfg = readConfig();
  const target = runStore(s3Client(), cfg, run);
  const job = await readJob(target);
  const encoded = await readEncoded(target);
  const union = await readUnion(target);
  const where = `${target.description}/${KEYS.reel}`;
  const head = await target.head(KEYS.reel);
  if (!head) throw new IntegrityError(where, 'reel is missing');
  if (head.bytes !== encoded.bytes) throw new IntegrityError(where, `stored reel is ${head.bytes} bytes, the encoder wrote ${encoded.bytes}`);
  const dir = await mkdtemp(join(tmpdir(), 'adreel-verify-'));
  try {
    const local = join(dir, KEYS.reel);
    await target.getFile(KEYS.reel, local);
    const sha = await sha256File(local);
    if (sha !== encoded.sha256) throw new IntegrityError(where, `stored reel sha256 ${sha.slice(0, 16)}... differs from the encoder's ${encoded.sha256.slice(0, 16)}...`);
    const region = union?.crop ?? { x: 0, y: 0, width: job.width, height: job.height };
    let i = 0;
    for await (const frame of decodeHevc(local, { width: region.width, height: region.height, channels: job.mode === 'grey' ? 1 : 3 })) {
      if (frameSha256(frame) !== encoded.decodedSha256[i]) throw new IntegrityError(where, `frame ${i} decodes differently from the encoder's check`);
      i++;
    }
    if (i !== encoded.decodedSha256.length) throw new IntegrityError(where, `decodes to ${i} frames, expected ${encoded.decodedSha256.length}`);
    return { frames: i, reelSha256: sha };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
