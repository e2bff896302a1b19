// encode: blank, crop and encode every kept frame into the HEVC reel (runs in the FFmpeg container image; locally
// with the FFmpeg the core resolves). The encode result (reel hash, per-frame decoded hashes) goes to the work
// prefix for verify and publish.
import { readJob } from '../core/compress/job.ts';
import { encodeStage } from '../core/compress/encode.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { ENCODED_KEY, ingestStore, RunRef, runStore } from './commons/layout.ts';
import { putJson, readDrafts, readUnion } from './commons/run-state.ts';

export interface EncodeResult {
  reelKey: string;
  encodedKey: string;
  frames: number;
  bytes: number;
  sha256: string;
}

export const handler = defineHandler('encode', RunRef, async (run): Promise<EncodeResult> => {
  const cfg = readConfig();
  const s3 = s3Client();
  const target = runStore(s3, cfg, run);
  const job = await readJob(target);
  const drafts = await readDrafts(target, job);
  const reel = await encodeStage({ source: ingestStore(s3, cfg), target }, job, drafts, await readUnion(target));
  await putJson(target, ENCODED_KEY, reel);
  return { reelKey: reel.file, encodedKey: ENCODED_KEY, frames: reel.decodedSha256.length, bytes: reel.bytes, sha256: reel.sha256 };
});
