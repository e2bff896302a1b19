// encode: one segment of the reel (the encode Map runs one per segment; runs in the FFmpeg container image, locally
// with the FFmpeg the core resolves): blank, crop and encode the segment's frames, decode it once, and record its
// sha256 and per-frame decoded hashes in the work prefix for verify and publish. Without `segment`, every segment
// in turn (a manual invocation of a small dataset).
import { z } from 'zod';
import { readJob } from '../core/compress/job.ts';
import { encodeSegmentStage, type EncodedSegment } from '../core/compress/encode.ts';
import { UsageError } from '../ground/errors.ts';
import { defaultDeps, runStore, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { RunRef } from '../ground/run-contract.ts';
import { RUN_STATE, writeState } from '../core/run-state/index.ts';
import { readPlan, readUnion } from '../core/run-state/read.ts';

export const EncodeEvent = RunRef.extend({ segment: z.number().int().min(0).optional() });

export interface EncodeSegmentResult {
  segment: number;
  reelKey: string;
  recordKey: string;
  frames: number;
  bytes: number;
  sha256: string;
}

export function createEncodeHandler(deps: () => HandlerDeps = defaultDeps) {
  return defineHandler('encode', EncodeEvent, async (event): Promise<EncodeSegmentResult | EncodeSegmentResult[]> => {
    const d = deps();
    const target = runStore(d, event);
    const job = await readJob(target);
    const plan = await readPlan(target);
    const union = await readUnion(target);
    const ctx = { source: d.ingest, target };
    const one = async (i: number): Promise<EncodeSegmentResult> => {
      const segment = plan[i];
      if (!segment) throw new UsageError(`segment ${i} does not exist: the reel has ${plan.length}`);
      const encoded: EncodedSegment = await encodeSegmentStage(ctx, job, union, segment);
      await writeState(target, RUN_STATE.segment(i), encoded);
      return { segment: i, reelKey: encoded.file, recordKey: RUN_STATE.segment(i).key, frames: encoded.frameCount, bytes: encoded.bytes, sha256: encoded.sha256 };
    };
    if (event.segment !== undefined) return one(event.segment);
    const all: EncodeSegmentResult[] = [];
    for (const s of plan) all.push(await one(s.index));
    return all;
  });
}

export const handler = createEncodeHandler();
