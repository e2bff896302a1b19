// verify: before anything is published, each reel segment as stored (not the encoder's local file) must have the
// size and sha256 the encoder recorded, and decode to exactly the recorded frames. Runs per segment inside the
// encode Map, right after that segment's encode; without `segment`, every segment in turn.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readJob } from '../core/compress/job.ts';
import { makeScratchDir } from '../core/scratch.ts';
import { encodedRegion } from '../core/compress/encode.ts';
import { IntegrityError, UsageError } from '../ground/errors.ts';
import { frameSha256, sha256File } from '../core/hash.ts';
import { decodeHevc } from '../core/reel/decode.ts';
import { defaultDeps, runStore, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { readPlan, readSegment, readUnion } from '../core/run-state/read.ts';

export const VerifyEvent = RunRef.extend({ segment: z.number().int().min(0).optional() });

export interface VerifyResult {
  frames: number;
  /** sha256 of the verified segment(s) */
  reelSha256: string[];
}

export function createVerifyHandler(deps: () => HandlerDeps = defaultDeps) {
  return defineHandler('verify', VerifyEvent, async (event): Promise<VerifyResult> => {
    const d = deps();
    const target = runStore(d, event);
    const job = await readJob(target);
    const plan = await readPlan(target);
    const union = await readUnion(target);
    const region = encodedRegion(job, union);
    const indices = event.segment !== undefined ? [event.segment] : plan.map((s) => s.index);
    const result: VerifyResult = { frames: 0, reelSha256: [] };
    for (const i of indices) {
      if (!plan[i]) throw new UsageError(`segment ${i} does not exist: the reel has ${plan.length}`);
      const encoded = await readSegment(target, i);
      const where = `${target.description}/${encoded.file}`;
      const head = await target.head(encoded.file);
      if (!head) throw new IntegrityError(where, 'reel segment is missing');
      if (head.bytes !== encoded.bytes) throw new IntegrityError(where, `stored segment is ${head.bytes} bytes, the encoder wrote ${encoded.bytes}`);
      const dir = await makeScratchDir('adreel-verify-');
      try {
        const local = join(dir, encoded.file);
        await target.getFile(encoded.file, local);
        const sha = await sha256File(local);
        if (sha !== encoded.sha256) throw new IntegrityError(where, `stored segment sha256 ${sha.slice(0, 16)}... differs from the encoder's ${encoded.sha256.slice(0, 16)}...`);
        let n = 0;
        for await (const frame of decodeHevc(local, { width: region.width, height: region.height, channels: job.mode === 'grey' ? 1 : 3 })) {
          if (frameSha256(frame) !== encoded.decodedSha256[n]) throw new IntegrityError(where, `frame ${encoded.firstFrame + n} decodes differently from the encoder's check`);
          n++;
        }
        if (n !== encoded.decodedSha256.length) throw new IntegrityError(where, `decodes to ${n} frames, expected ${encoded.decodedSha256.length}`);
        result.frames += n;
        result.reelSha256.push(sha);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return result;
  });
}

export const handler = createVerifyHandler();
