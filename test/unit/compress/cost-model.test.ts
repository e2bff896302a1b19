// The cost model's arithmetic on a small fake results file (bench/lib/cost-model.ts, prices in bench/lib/prices.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import {
  costFor,
  LAMBDA_MB,
  PARTIAL_UNION as PU,
  S3_PER_ALIGN_BATCH,
  S3_PER_CLASS,
  S3_PER_GROUP,
  S3_PER_IMAGE,
  S3_PER_SEGMENT,
  type StageResults,
} from '../../../bench/lib/cost-model.ts';
import { GROUP_ENTRIES } from '../../../lambdas/core/compress/partial-union.ts';
import { UNION_READ_CONCURRENCY } from '../../../lambdas/core/compress/union.ts';
import { DEFAULT_MAP } from '../../../infra/sizing.ts';
import { PRICES } from '../../../bench/lib/prices.ts';

// 10 images: align 1 s/image, union 0.1, encode 0.5, verify 0.2, publish 0.01; reference 2 s; 1 MB in, 10 kB out each
const FAKE: StageResults = {
  images: 10,
  secondsPerStage: { hash: 0.1, reference: 2, align: 10, union: 1, encode: 5, verify: 2, publish: 0.1 },
  inputBytes: 10 * 1024 ** 2,
  reelBytes: 50_000,
  outputBytes: 100_000,
};

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('cost model', () => {
  it('GB-seconds, requests, transitions, S3 requests, storage and dollars for 1,000 images', () => {
    const l = costFor(FAKE, { images: 1000, segmentFrames: 250, concurrency: 40, s3LatencyMs: 0 });
    assert.equal(l.segments, 4);
    // prepare 2 s x 2 GB + align (1000 s + 125 batches writing their partial + 1 group merged) x 2 GB + union (one
    // group partial + the tail) x 1 GB + encode 700 x 2.9375 GB + verify 200 x 1 GB + publish (10 s + one sidecar) x 1 GB
    // + start 0.3 x 0.25 + discover 0.5 x 0.5 + summarize 0.5 x 0.5
    const align = 1000 + 125 * PU.batchSeconds + PU.groupSeconds;
    const union = PU.level2Seconds + PU.finishSeconds;
    const publish = 10 + PU.sidecarSeconds;
    const gbs = 2 * 2 + align * 2 + union * 1 + 700 * (LAMBDA_MB.encode / 1024) + 200 * 1 + publish * (LAMBDA_MB.publish / 1024) + 0.3 * 0.25 + 0.5 * 0.5 + 0.5 * 0.5;
    close(l.lambdaGbSeconds, gbs, 'GB-s');
    close(l.invocations.union, union, 'union');
    // start, discover, summarize, prepare/union/publish, 125 align batches, 4 encodes + 4 verifies
    assert.equal(l.lambdaRequests, 3 + 3 + 125 + 8);
    assert.equal(l.stateTransitions, 4 + 5 + 8);
    assert.equal(l.expressRequests, 125);
    // + one LIST page of level 2s each for union and publish
    assert.equal(l.s3PutList, 1000 * S3_PER_IMAGE.put + 125 * S3_PER_ALIGN_BATCH.put + S3_PER_GROUP.put + 4 * S3_PER_SEGMENT.put + S3_PER_CLASS.put + 3 + 2 + 1);
    assert.equal(l.s3Get, 1000 * S3_PER_IMAGE.get + 125 * S3_PER_ALIGN_BATCH.get + S3_PER_GROUP.get + 4 * S3_PER_SEGMENT.get + S3_PER_CLASS.get);
    close(l.storageGbBefore, 1000 / 1024, 'GB before');
    close(l.storageGbAfter, (1000 * 10_000) / 1024 ** 3, 'GB after');
    close(l.dollars.lambda, gbs * PRICES.lambda.gbSecond + 139 * PRICES.lambda.request, '$ lambda');
    close(l.dollars.stepFunctions, 17 * 0.025e-3 + 125 * 1e-6 + 1000 * 0.064 * PRICES.stepFunctions.expressGbSecond, '$ sfn');
    close(l.dollars.s3Requests, l.s3PutList * 0.005e-3 + l.s3Get * 0.0004e-3, '$ s3');
    close(l.dollars.storagePerMonthBefore, (1000 / 1024) * 0.023, '$ before');
    close(l.dollars.compressOnce, l.dollars.lambda + l.dollars.stepFunctions + l.dollars.s3Requests + (1000 / 1024) * (7 / 30.4) * 0.023, '$ once');
  });

  it('wall time: align batches over the concurrency, segments over 20 encoders, reducers sequential with S3 latency', () => {
    const l = costFor(FAKE, { images: 100_000, segmentFrames: 250, concurrency: 100, s3LatencyMs: 10 });
    assert.equal(l.segments, 400);
    const alignWaves = Math.ceil(12_500 / 100); // 125 waves of one 8-image batch (8 s + its partial union)
    const batch = 8 + PU.batchSeconds + PU.batchRoundTrips * 0.01;
    const merge = PU.groupSeconds + PU.groupRoundTrips * 0.01; // the last group's, on the critical path
    // 98 group partials, 16 at once: CPU-bound (2.06 s of CPU vs 196 / 16 x 10 ms of latency); job, failures, list, 3 PUTs
    const groups = Math.ceil(100_000 / 1024);
    const union = 6 * 0.01 + groups * PU.level2Seconds + PU.finishSeconds;
    const encodeWaves = Math.ceil(400 / 20);
    const publish = 100_000 * 0.01 + 0.01 + groups * PU.sidecarSeconds;
    const wall = 0.3 + 0.5 + 2 + alignWaves * batch + merge + union + encodeWaves * (250 * 0.7 + 250 * 0.2) + publish + 0.5;
    close(l.wallSeconds, wall, 'wall');
    close(l.invocations.union, union, 'union invocation');
    close(l.invocations['align (batch)'], batch + merge, 'the batch completing a group');
    assert.equal(l.longestInvocation.fn, 'publish');
    close(l.longestInvocation.seconds, publish, 'publish invocation');
  });

  it('the union reducer reads one partial per group of images: a few seconds at 100k, well inside its timeout at 1M', () => {
    assert.equal(PU.groupEntries, GROUP_ENTRIES);
    assert.equal(GROUP_ENTRIES % DEFAULT_MAP.maxItemsPerBatch, 0, 'batches tile the groups');
    const unionSeconds = (images: number, s3LatencyMs: number) => costFor(FAKE, { images, segmentFrames: 250, concurrency: 40, s3LatencyMs }).invocations.union;
    assert.ok(unionSeconds(100_000, 10) < 5);
    assert.ok(unionSeconds(1_000_000, 10) < 60);
    // at a high latency the reads (16 at once) are what takes the time
    const slow = unionSeconds(1_000_000, 500);
    // job, failures, 3 PUTs and 2 LIST pages (1,954 keys) one after another
    close(slow, (5 + 2) * 0.5 + ((2 * 977) / UNION_READ_CONCURRENCY) * 0.5 + PU.finishSeconds, 'latency-bound');
  });

  it('bench/cost.ts prints the table from a results file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adreel-cost-'));
    try {
      const file = join(dir, 'results.json');
      await writeFile(file, JSON.stringify({ ...FAKE, memory: { align: { peakRssMb: 300, peakChildRssMb: 0, maxRssMb: 310 } } }));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/cost.ts', file, '--segment-frames', '250'], { cwd: join(import.meta.dirname, '..', '..', '..') });
      assert.match(stdout, /Lambda GB-s/);
      assert.match(stdout, /\$ per 1,000 images/);
      assert.match(stdout, /wall time \(concurrency 40\)/);
      assert.match(stdout, /align\s+300 \/\s+0\s+\(align: 2048 MB\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
