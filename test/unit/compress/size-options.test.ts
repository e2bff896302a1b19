// Issue 14 on generated data: --reuse-alignment rebuilds a reel from an earlier output without aligning again,
// --max-side stores smaller frames that restore and transform agree on, the rate-control frame rate is applied
// and recorded, and the compact reference aligns test images as the full one does. Real code, nothing mocked.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressFolder, transformFolder } from '../../../lambdas/cli/local-runs.ts';
import { encoderSettings, parseCompressOptions } from '../../../lambdas/core/compress/options.ts';
import { decodeImage } from '../../../lambdas/core/image-io.ts';
import { inspectOutput } from '../../../lambdas/core/inspect.ts';
import { buildX265OutputArgs } from '../../../lambdas/core/reel/encode.ts';
import { restoreFrames } from '../../../lambdas/core/restore.ts';
import { verifyOutput } from '../../../lambdas/core/verify.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { manifestFileDocument } from '../../../lambdas/core/manifest.ts';

const SIZE = 256;
const COUNT = 8;

describe('output size options', () => {
  let root: string;
  let input: string;
  let base: string;

  before(async () => {
    root = await tempDir();
    input = join(root, 'input');
    await writeSyntheticFolder(input, { count: COUNT, size: SIZE, seed: 11 });
    base = join(root, 'base');
    await compressFolder(input, base, parseCompressOptions({ crf: 30, threads: 1 }));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('the rate-control frame rate reaches x265 (fps=N) and is recorded; timestamps stay 1 fps', async () => {
    const args = buildX265OutputArgs(encoderSettings({ crf: 30, rateFps: 25 }), 'gray', 'x.mp4');
    assert.match(args[args.indexOf('-x265-params') + 1], /(^|:)fps=25(:|$)/);
    const one = buildX265OutputArgs(encoderSettings({ crf: 30, rateFps: 1 }), 'gray', 'x.mp4');
    assert.doesNotMatch(one[one.indexOf('-x265-params') + 1], /fps=/);
    const m = (manifestFileDocument(await readFile(join(base, 'manifest.bin')), 'manifest.bin') as any);
    assert.equal(m.codec.rateFps, 25, 'the default');
    const slow = await compressFolder(input, join(root, 'fps1'), parseCompressOptions({ crf: 30, threads: 1, rateFps: 1, reuseAlignment: base }));
    const fast = await inspectOutput(new LocalStorage(base));
    assert.ok(slow.reelBytes > fast.reelBytes, `1 fps spends more bits at one CRF: ${slow.reelBytes} vs ${fast.reelBytes} B`);
    // a ranged restore seeks by timestamp: frame 5 alone decodes and checks out at 25 fps rate control too
    const frames = [];
    for await (const f of restoreFrames(new LocalStorage(base), { frames: { first: 5, last: 6 } })) frames.push(f.index);
    assert.deepEqual(frames, [5, 6]);
  });

  it('--reuse-alignment with the same options rebuilds the same reel and keeps the decisions; other options only re-encode', async () => {
    const again = join(root, 'again');
    const s = await compressFolder(input, again, parseCompressOptions({ crf: 30, threads: 1, reuseAlignment: base }));
    assert.equal(s.seconds.align, undefined, 'no alignment ran');
    const a = (manifestFileDocument(await readFile(join(base, 'manifest.bin')), 'manifest.bin') as any);
    const b = (manifestFileDocument(await readFile(join(again, 'manifest.bin')), 'manifest.bin') as any);
    // the whole manifest but its time stamp (and the digest over it): the earlier run's misalignment gate, outlier
    // flags and training poses are kept, not judged again from the rounded figures it stored
    const { createdAt: _ca, digest: _da, ...restA } = a;
    const { createdAt: _cb, digest: _db, ...restB } = b;
    assert.deepEqual(restB, restA, 'the same manifest');
    assert.deepEqual(b.reels, a.reels, 'byte-identical reel');
    assert.deepEqual(b.frames, a.frames, 'same frames, transforms and decoded hashes');
    assert.deepEqual(b.reference, a.reference);
    assert.deepEqual(b.mask, a.mask);
    // the decisions that moved the frames (alignment mode, misalignment gate) come with them: transform follows them
    assert.ok(a.decisions, 'the base output records its decisions');
    assert.deepEqual(b.decisions.alignment, a.decisions.alignment);
    assert.equal(b.decisions.misalignment.metric, a.decisions.misalignment.metric);
    assert.equal(b.pose.model, a.pose.model);

    const other = await compressFolder(input, join(root, 'crf40'), parseCompressOptions({ crf: 40, threads: 1, reuseAlignment: base }));
    assert.ok(other.reelBytes < s.reelBytes, `CRF 40 ${other.reelBytes} B < CRF 30 ${s.reelBytes} B`);
    assert.deepEqual(other.manifest.frames.map((f) => f.transform), a.frames.map((f: { transform: unknown }) => f.transform));
    assert.equal((await verifyOutput(new LocalStorage(join(root, 'crf40')))).ok, true);
  });

  it('--reuse-alignment refuses options that decided the alignment, and another dataset', async () => {
    // --no-mask re-encodes an aligned, masked output (its transforms do not depend on the mask); not the other way
    const unmasked = await compressFolder(input, join(root, 'r1'), parseCompressOptions({ crf: 30, threads: 1, mask: false, reuseAlignment: base }));
    assert.equal(unmasked.manifest.mask, null);
    assert.equal(unmasked.manifest.decisions?.mask.enabled, false);
    await assert.rejects(compressFolder(input, join(root, 'r1b'), parseCompressOptions({ crf: 30, reuseAlignment: join(root, 'r1') })), /this mask \(it was made with --no-mask\)/);
    const small = await compressFolder(input, join(root, 'r2'), parseCompressOptions({ crf: 30, maxSide: 128, reuseAlignment: base }));
    assert.equal(small.manifest.frame.width, 128, 'a smaller max side from a full-size output');
    await assert.rejects(compressFolder(input, join(root, 'r2b'), parseCompressOptions({ crf: 30, maxSide: 96, reuseAlignment: join(root, 'r2') })), /maxSide/);
    const otherInput = join(root, 'other-input');
    await writeSyntheticFolder(otherInput, { count: COUNT, size: SIZE, seed: 12 });
    await assert.rejects(compressFolder(otherInput, join(root, 'r3'), parseCompressOptions({ crf: 30, reuseAlignment: base })), /another dataset/);
  });

  it('--max-side stores smaller frames; restore, transform and --original-geometry agree on the sizes', async () => {
    const small = join(root, 'small');
    const s = await compressFolder(input, small, parseCompressOptions({ crf: 30, threads: 1, maxSide: 128 }));
    assert.equal(s.manifest.frame.width, 128);
    assert.deepEqual(s.manifest.frame.scale, { factor: 0.5, referenceWidth: SIZE, referenceHeight: SIZE });
    const full = await inspectOutput(new LocalStorage(base));
    assert.ok(s.reelBytes < full.reelBytes, `128 px frames ${s.reelBytes} B < 256 px ${full.reelBytes} B`);
    for await (const f of restoreFrames(new LocalStorage(small), { frames: { first: 0, last: 0 } })) {
      assert.equal((await decodeImage(f.png, f.fileName)).image.width, 128);
    }
    for await (const f of restoreFrames(new LocalStorage(small), { frames: { first: 0, last: 0 }, originalGeometry: true })) {
      assert.equal((await decodeImage(f.png, f.fileName)).image.width, SIZE, 'back at the source size');
    }
    const testIn = join(root, 'test-in');
    await mkdir(testIn);
    await writeFile(join(testIn, 'a.png'), await readFile(join(input, (await firstName(input)))));
    const dest = join(root, 'test-out');
    const t = await transformFolder(small, testIn, dest);
    assert.equal(t.images, 1);
    assert.equal((await decodeImage(await readFile(join(dest, 'a.png')), 'a.png')).image.width, 128);
  });

  it('the output keeps a compact reference (a part of the frame, WebP lossless) and small masks; inspect names the overhead', async () => {
    const r = await inspectOutput(new LocalStorage(base));
    const m = (manifestFileDocument(await readFile(join(base, 'manifest.bin')), 'manifest.bin') as any);
    assert.equal(m.reference.file, 'reference.webp');
    assert.ok(m.reference.layout.width <= SIZE && m.reference.layout.height <= SIZE);
    assert.equal(r.overhead.total, r.outputBytes - r.reelBytes);
    assert.ok(r.overhead.reference > 0 && r.overhead.masks > 0 && r.overhead.manifest > 0);
    assert.ok(r.ratio < r.reelRatio, 'the headline ratio counts the whole output');
  });
});

async function firstName(dir: string): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((n) => n.endsWith('.png')).sort()[0];
}
