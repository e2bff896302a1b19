// Several adreel outputs of ONE training set that differ only in how the aligned frames are masked and encoded
// (CRF, preset, x265 parameters, mask on/off, crop), built from one alignment pass: adreel's own stage functions
// (the ones compressFolder and the cloud run) are called in compressFolder's order, the align stage once, then
// union + encode + publish once per member. Alignment is most of a compress run's time, so a CRF sweep or Table 1's
// four aligned rows cost one alignment instead of one each.
//
// test/unit/report/bench-family.test.ts checks that every member is identical (manifest and reel bytes) to what
// compressFolder makes with the same options: if compressFolder's orchestration changes, that test fails.
import { link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveInputFolder, summarizeOutput } from '../../../lambdas/cli/local-runs.ts';
import { alignFramesStage, type CompressSummary, type RunHooks } from '../../../lambdas/core/compress/compress-folder.ts';
import { encodeStage } from '../../../lambdas/core/compress/encode.ts';
import { KEYS, type JobState, type StageContext } from '../../../lambdas/core/compress/job.ts';
import { parseCompressOptions, type CompressOptions, type CompressOptionsInput } from '../../../lambdas/core/compress/options.ts';
import { prepareReferenceStage } from '../../../lambdas/core/compress/prepare-reference.ts';
import { datasetId, publishManifestStage } from '../../../lambdas/core/compress/publish.ts';
import { unionMaskStage } from '../../../lambdas/core/compress/union.ts';
import { listDataset } from '../../../lambdas/core/dataset.ts';
import { DatasetError } from '../../../lambdas/ground/errors.ts';
import { sha256 } from '../../../lambdas/core/hash.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { WORK_PREFIX } from '../../../lambdas/core/run-state/index.ts';

export interface FamilyMember {
  /** a folder that does not exist yet */
  outDir: string;
  options: CompressOptionsInput;
}

/** What the align stage depends on: members must agree on all of it. */
const ALIGNMENT_KEYS = ['align', 'reference', 'segmenter', 'modelPath', 'onAlignFailure'] as const;

export function alignmentSignature(options: CompressOptions): string {
  return JSON.stringify(ALIGNMENT_KEYS.map((k) => options[k] ?? null));
}

/** Hard-links every file below `src` into `dst` (same file system; nothing is copied). */
async function linkTree(src: string, dst: string): Promise<void> {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    if (e.isDirectory()) await linkTree(join(src, e.name), join(dst, e.name));
    else await link(join(src, e.name), join(dst, e.name));
  }
}

export async function compressFamily(inputDir: string, members: FamilyMember[], hooks: RunHooks = {}): Promise<CompressSummary[]> {
  if (members.length === 0) return [];
  const parsed = members.map((m) => parseCompressOptions(m.options));
  const signature = alignmentSignature(parsed[0]);
  parsed.forEach((o, i) => {
    if (alignmentSignature(o) !== signature) throw new Error(`family member ${i} aligns differently (${alignmentSignature(o)} vs ${signature})`);
  });
  const input = await resolveInputFolder(resolve(inputDir));
  const source = new LocalStorage(input.dir);
  const listing = await listDataset(source, '');
  const t0 = performance.now();
  const hashes = [];
  for (const e of listing.entries) hashes.push({ name: e.name, sha256: sha256(await source.get(e.key)) });
  const id = datasetId(hashes);
  const hashSeconds = (performance.now() - t0) / 1000;

  const first = resolve(members[0].outDir);
  const shared = join(dirname(first), `.${basename(first)}.family-${process.pid}`);
  await rm(shared, { recursive: true, force: true });
  try {
    // The shared stages run with masks kept (any member may want them); each member then sees its own options.
    const sharedOptions: CompressOptions = { ...parsed[0], mask: parsed.some((o) => o.mask) };
    const sharedCtx: StageContext = { source, target: new LocalStorage(shared), onProgress: hooks.onProgress, log: hooks.log };
    let t = performance.now();
    const job = await prepareReferenceStage(sharedCtx, listing, input.layout, sharedOptions);
    const referenceSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const drafts = await alignFramesStage(sharedCtx, job, (done, total) => hooks.onProgress?.(sharedOptions.align ? 'align+mask' : 'prepare', done, total));
    if (drafts.every((d) => d.dropped)) throw new DatasetError('every image was dropped; nothing to encode', input.dir);
    const alignSeconds = (performance.now() - t) / 1000;

    const summaries: CompressSummary[] = [];
    for (let m = 0; m < members.length; m++) {
      const out = resolve(members[m].outDir);
      const staging = join(dirname(out), `.${basename(out)}.adreel-partial-${process.pid}`);
      await rm(staging, { recursive: true, force: true });
      await linkTree(shared, staging);
      // the shared job's decisions, with this member's mask (align is shared by the signature)
      const memberMask = parsed[m].mask && job.options.mask;
      const memberJob: JobState = {
        ...job,
        options: { ...parsed[m], align: job.options.align, mask: memberMask },
        decisions: job.decisions && !memberMask ? { ...job.decisions, mask: { enabled: false, reason: '--no-mask' } } : job.decisions,
      };
      const target = new LocalStorage(staging);
      // compressFolder's stage 3 reads only masks it asked the align stage to write: drop them when unmasked.
      if (!parsed[m].mask) await target.deletePrefix('.work/masks');
      const ctx: StageContext = { source, target, onProgress: hooks.onProgress, log: hooks.log };
      const seconds: Record<string, number> = { hash: hashSeconds, reference: referenceSeconds, align: alignSeconds };
      t = performance.now();
      const union = await unionMaskStage(ctx, memberJob, drafts);
      seconds.union = (performance.now() - t) / 1000;
      const reel = await encodeStage(ctx, memberJob, drafts, union, { concurrency: hooks.encodeConcurrency });
      seconds.encode = reel.seconds.encode;
      seconds.verify = reel.seconds.decode;
      t = performance.now();
      const manifest = await publishManifestStage(ctx, memberJob, drafts, union, reel);
      if (manifest.dataset.id !== id) throw new DatasetError('input files changed while being compressed', input.dir);
      await target.deletePrefix(WORK_PREFIX);
      await rename(staging, out);
      seconds.publish = (performance.now() - t) / 1000;
      summaries.push(await summarizeOutput(out, manifest, reel, union, seconds));
      hooks.log?.(`family member ${m + 1}/${members.length}: ${reel.bytes} B`);
    }
    return summaries;
  } finally {
    await rm(shared, { recursive: true, force: true });
  }
}
