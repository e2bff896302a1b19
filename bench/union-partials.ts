// What partial unions cost (lambdas/core/compress/partial-union.ts), measured on generated aligned 1024x1024 screw
// masks: an align batch writing its level 1 (read back its 8 masks, OR, encode, 2 PUTs), the batch completing a group
// merging the group's 128 level 1s into its level 2, and the reducer per partial: sidecar (level 2: 1,024 records) +
// PNG GET, decode, OR; its fixed tail (grow by the margin, encode, measure); and the S3 client's own CPU per request
// and per record (against s3rver in a child process, so only this process's work counts). The reducer is CPU-bound
// (SDK + PNG decode + OR), so CPU per item is what scales; bench/lib/cost-model.ts takes its constants from here.
//   node --import tsx bench/union-partials.ts [--size 1024] [--reads 200] [--json PATH]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type FrameDraft, type JobState } from '../lambdas/core/compress/job.ts';
import { addPartialUnions, GROUP_ENTRIES, mergeGroupUnion, parsePartial, writeBatchUnion, type StoredPartial } from '../lambdas/core/compress/partial-union.ts';
import { UNION_READ_CONCURRENCY } from '../lambdas/core/compress/union.ts';
import { decodeMask, encodeMaskPng } from '../lambdas/core/image-io.ts';
import { mapPool } from '../lambdas/core/map-pool.ts';
import { renderSyntheticObject } from '../lambdas/core/synthetic/objects.ts';
import { maskBoundingBox, maskFraction, UnionMaskBuilder } from '../lambdas/core/union-mask.ts';
import { DEFAULT_MARGIN_PX } from '../lambdas/core/compress/options.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { S3Storage } from '../lambdas/storage/s3.ts';
import { startLocalS3 } from '../infra/local/s3rver.ts';
import type { Mask } from '../lambdas/core/types.ts';
import { RUN_STATE } from '../lambdas/core/run-state/index.ts';

const { values } = parseArgs({ options: { size: { type: 'string', default: '1024' }, reads: { type: 'string', default: '200' }, json: { type: 'string' } } });
const SIZE = Number(values.size);
const READS = Number(values.reads);
const BATCH = 8;
const DISTINCT_MASKS = 64;

const ms = (s: number) => `${(s * 1000).toFixed(2)} ms`;
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** The same screw, aligned, with a residual misalignment of a few pixels and a degree (what the align Map writes). */
function alignedMask(i: number): Mask {
  const r = (k: number) => (((i * 2654435761 + k * 40503) >>> 0) % 1000) / 1000 - 0.5;
  return renderSyntheticObject({ kind: 'screw', width: SIZE, height: SIZE, angleDeg: 30 + 2 * r(1), scale: 1.5 + 0.015 * r(2), tx: 6 * r(3), ty: 6 * r(4), seed: i }).mask;
}

/** A record as the align stage writes it. */
const draftOf = (i: number): FrameDraft => ({
  entryIndex: i,
  name: `${String(i).padStart(6, '0')}.png`,
  stem: String(i).padStart(6, '0'),
  source: { width: SIZE, height: SIZE, mode: 'grey', format: 'png', bitDepth: 8, hadAlpha: false, bytes: 407_000, sha256: 'f'.repeat(64) },
  transform: [0.9987, -0.0512, 3.25, 0.0512, 0.9987, -2.125],
  alignment: { score: 0.931, silhouetteIou: 0.957, ncc: 0.912, method: 'features', ok: true },
  warnings: [],
});

const job = { options: { mask: true }, entries: Array.from({ length: GROUP_ENTRIES }, (_, i) => ({ name: `${i}.png` })) } as unknown as JobState;
const work = await mkdtemp(join(tmpdir(), 'adreel-bench-partials-'));
const s3 = await startLocalS3(['bench']);
try {
  console.error(`[bench] one group of ${GROUP_ENTRIES} aligned ${SIZE}x${SIZE} masks (${DISTINCT_MASKS} distinct), batches of ${BATCH}`);
  const local = new LocalStorage(work);
  const maskPngs: Buffer[] = [];
  for (let i = 0; i < DISTINCT_MASKS; i++) maskPngs.push(await encodeMaskPng(alignedMask(i)));
  for (let i = 0; i < GROUP_ENTRIES; i++) await local.put(RUN_STATE.objectMask(i), maskPngs[i % DISTINCT_MASKS]);

  // align side: each batch writes its level 1 (local disk: no S3 latency, no SDK)
  const batches = Array.from({ length: GROUP_ENTRIES / BATCH }, (_, b) => Array.from({ length: BATCH }, (_, k) => b * BATCH + k));
  const level1: StoredPartial[] = [];
  const write = await timed(async () => {
    for (const b of batches) level1.push((await writeBatchUnion(local, job, b, b.map(draftOf)))!);
  });
  // the batch that completes the group merges it: list + 128 x (sidecar + PNG read, decode, OR) + encode + 2 writes
  const merge = await timed(() => mergeGroupUnion(local, GROUP_ENTRIES, 0));
  const group = merge.value!;
  const level1Png = await local.get(level1[0].png!);
  const level2Png = await local.get(group.png!);
  const level2Json = await local.get(group.key);

  // reducer, decode + OR of one partial PNG (no I/O), one after another and UNION_READ_CONCURRENCY at once
  const pngs = level1.slice(0, 32).map((p) => local.get(p.png!));
  const bytes = await Promise.all(pngs);
  const pick = (k: number) => bytes[k % bytes.length];
  for (let k = 0; k < 8; k++) new UnionMaskBuilder().addUnion(await decodeMask(pick(k), 'p'), BATCH);
  const seq = await timed(async () => {
    const b = new UnionMaskBuilder();
    for (let k = 0; k < READS; k++) b.addUnion(await decodeMask(pick(k), 'p'), BATCH);
    return b;
  });
  const pooled = await timed(async () => {
    const b = new UnionMaskBuilder();
    await mapPool(Array.from({ length: READS }, (_, k) => k), UNION_READ_CONCURRENCY, async (k) => b.addUnion(await decodeMask(pick(k), 'p'), BATCH));
  });
  const tail = await timed(async () => {
    const grown = seq.value.finish(DEFAULT_MARGIN_PX);
    await encodeMaskPng(grown);
    maskFraction(grown);
    maskBoundingBox(grown, 2);
  });

  // S3 (s3rver): the SDK's CPU per request, per record file (readDrafts: HEAD + GET + parse, 32 at a time), per level-1
  // partial and per level-2 partial as the reducer reads them (sidecar GET + parse, PNG GET + decode + OR)
  const store = new S3Storage(s3.client, 'bench', 'run');
  const n = Math.min(READS, level1.length);
  for (const p of level1.slice(0, n)) {
    await store.put(p.key, await local.get(p.key));
    await store.put(p.png!, await local.get(p.png!));
  }
  for (let i = 0; i < n; i++) await store.put(RUN_STATE.record(i).key, Buffer.from(JSON.stringify(draftOf(i))));
  await store.put(group.key, level2Json);
  await store.put(group.png!, level2Png);
  const keys = level1.slice(0, n).map((p) => p.png!);
  await mapPool(keys.slice(0, 20), UNION_READ_CONCURRENCY, (k) => store.get(k)); // warm-up
  const gets = await timed(() => mapPool(keys, UNION_READ_CONCURRENCY, (k) => store.get(k)));
  const heads = await timed(() => mapPool(keys, 32, (k) => store.head(k)));
  const records = await timed(() =>
    mapPool(Array.from({ length: n }, (_, i) => i), 32, async (i) => ((await store.head(RUN_STATE.record(i).key)) ? JSON.parse((await store.get(RUN_STATE.record(i).key)).toString('utf8')) : undefined)),
  );
  const kept = new Set(Array.from({ length: GROUP_ENTRIES }, (_, i) => i));
  const readLevel1 = await timed(async () => {
    const parsed = await mapPool(level1.slice(0, n), UNION_READ_CONCURRENCY, async (p) => ({ ...parsePartial(await store.get(p.key), 1)!, key: p.key }));
    return addPartialUnions(store, parsed, kept, new UnionMaskBuilder(), UNION_READ_CONCURRENCY);
  });
  const GROUP_READS = 20;
  const readLevel2 = await timed(async () => {
    for (let k = 0; k < GROUP_READS; k++) {
      const p = { ...parsePartial(await store.get(group.key), 2)!, key: group.key };
      await addPartialUnions(store, [p], kept, new UnionMaskBuilder(), 1);
    }
  });

  // publish's readDrafts: the level-2 sidecar alone (GET + parse of 1,024 records)
  const readSidecar = await timed(async () => {
    for (let k = 0; k < GROUP_READS; k++) parsePartial(await store.get(group.key), 2);
  });

  const result = {
    size: SIZE,
    batch: BATCH,
    groupEntries: GROUP_ENTRIES,
    readConcurrency: UNION_READ_CONCURRENCY,
    maskFraction: maskFraction(await decodeMask(maskPngs[0], 'm')),
    maskPngBytes: Math.round(maskPngs.reduce((a, b) => a + b.length, 0) / maskPngs.length),
    level1: { pngBytes: level1Png.length, sidecarBytes: (await local.get(level1[0].key)).length, fraction: maskFraction(await decodeMask(level1Png, 'p')) },
    level2: { pngBytes: level2Png.length, sidecarBytes: level2Json.length, fraction: maskFraction(await decodeMask(level2Png, 'p')) },
    /** align side, per batch of 8 (local disk): read back + decode + OR 8 masks, encode, 2 writes */
    writeSecondsPerBatch: write.seconds / batches.length,
    /** align side, the batch completing a group (local disk): 128 level 1s read, decoded, ORed; level 2 written */
    mergeSecondsPerGroup: merge.seconds,
    /** reducer, decode + OR of one partial PNG: one after another, and UNION_READ_CONCURRENCY at once (wall, CPU) */
    orSecondsPerPartial: seq.seconds / READS,
    orSecondsPerPartialPooled: pooled.seconds / READS,
    orCpuSecondsPerPartialPooled: pooled.cpu / READS,
    finishSeconds: tail.seconds,
    /** S3 client CPU (SDK: build, sign, send, parse), s3rver excluded */
    clientCpuSecondsPerGet: gets.cpu / n,
    clientCpuSecondsPerHead: heads.cpu / n,
    clientCpuSecondsPerRecord: records.cpu / n,
    /** reducer per partial, s3rver: client CPU (what a CPU-bound Lambda spends), and wall (s3rver shares the cores) */
    level1CpuSecondsPerPartial: readLevel1.cpu / n,
    level1WallSecondsPerPartial: readLevel1.seconds / n,
    level2CpuSecondsPerPartial: readLevel2.cpu / GROUP_READS,
    level2WallSecondsPerPartial: readLevel2.seconds / GROUP_READS,
    level2SidecarCpuSeconds: readSidecar.cpu / GROUP_READS,
  };
  console.log(`mask ${SIZE}x${SIZE}: ${(result.maskFraction * 100).toFixed(1)}% set, PNG ${result.maskPngBytes} B`);
  console.log(`level 1 (batch of ${BATCH}): ${(result.level1.fraction * 100).toFixed(1)}% set, PNG ${result.level1.pngBytes} B, sidecar ${result.level1.sidecarBytes} B`);
  console.log(`level 2 (group of ${GROUP_ENTRIES}): ${(result.level2.fraction * 100).toFixed(1)}% set, PNG ${result.level2.pngBytes} B, sidecar ${result.level2.sidecarBytes} B`);
  console.log(`align batch writes its level 1 (local disk): ${ms(result.writeSecondsPerBatch)}; the batch completing a group merges it: ${ms(result.mergeSecondsPerGroup)}`);
  console.log(`decode + OR per partial PNG: ${ms(result.orSecondsPerPartial)} one at a time, ${ms(result.orSecondsPerPartialPooled)} wall / ${ms(result.orCpuSecondsPerPartialPooled)} CPU ${UNION_READ_CONCURRENCY} at once; tail ${ms(result.finishSeconds)}`);
  console.log(`S3 client CPU: GET ${ms(result.clientCpuSecondsPerGet)}, HEAD ${ms(result.clientCpuSecondsPerHead)}, record file (HEAD+GET+parse) ${ms(result.clientCpuSecondsPerRecord)}`);
  console.log(`reducer per level-1 partial (sidecar + PNG GET, decode, OR): ${ms(result.level1CpuSecondsPerPartial)} CPU (${ms(result.level1WallSecondsPerPartial)} wall on s3rver)`);
  console.log(`reducer per level-2 partial (${GROUP_ENTRIES} records + PNG): ${ms(result.level2CpuSecondsPerPartial)} CPU (${ms(result.level2WallSecondsPerPartial)} wall on s3rver); its sidecar alone ${ms(result.level2SidecarCpuSeconds)} CPU`);
  if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2));
} finally {
  await s3.close();
  await rm(work, { recursive: true, force: true });
}
