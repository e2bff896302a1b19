// --quality auto on generated data: the search rule (bisection, held-out set, ratio), and the hook in a real compress
// run with the pixel criterion standing in for the backbone (named "mock" where it replaces the CLI's extractor).
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressFolder as compressFolderCore } from '../../../lambdas/core/compress/compress-folder.ts';
import { compressFolder, openLocalFolder } from '../../../lambdas/cli/local-runs.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';
import { loadManifest } from '../../../lambdas/core/artifacts.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { pixelFeatures } from '../../../lambdas/core/quality/pixel-features.ts';
import { bisectCrf, heldOutIndices, meanDistortion, naturalSpread, type FeatureMap } from '../../../lambdas/core/quality/search.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';

const map = (values: number[]): FeatureMap => ({ positions: values.length, dims: 1, data: Float32Array.from(values) });

describe('quality auto: the search rule', () => {
  it('held-out frames are distinct, sorted, evenly spread and the same for a seed', () => {
    const a = heldOutIndices(209, 16, 0);
    assert.equal(a.length, 16);
    assert.deepEqual(a, [...new Set(a)].sort((x, y) => x - y));
    assert.deepEqual(heldOutIndices(209, 16, 0), a);
    const gaps = a.slice(1).map((v, i) => v - a[i]);
    assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `even spread, gaps ${gaps}`);
    assert.deepEqual(heldOutIndices(5, 16), [0, 1, 2, 3, 4], 'all frames when fewer than asked');
  });

  it('spread is the summed variance across images; distortion the mean squared error', () => {
    assert.equal(naturalSpread([map([0, 0]), map([2, 4])]), 2 + 8);
    assert.equal(meanDistortion([map([0, 0]), map([1, 1])], [map([1, 0]), map([1, 3])]), (1 + 4) / 2);
    assert.throws(() => naturalSpread([map([1])]), /at least 2/);
  });

  it('bisection finds the largest CRF within tolerance, verified at its neighbour; tighter never picks larger', async () => {
    const ratio = (crf: number) => 0.001 * Math.exp(crf / 6); // grows with CRF, like coding noise
    let previous = Infinity;
    for (const tolerance of [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005]) {
      const r = await bisectCrf(async (c) => ({ ratio: ratio(c), bytes: 1000 - c }), tolerance, { min: 0, max: 51 });
      const best = Math.max(...Array.from({ length: 52 }, (_, c) => c).filter((c) => ratio(c) <= tolerance));
      assert.equal(r.crf, best, `tolerance ${tolerance}`);
      assert.ok(r.met);
      assert.ok(r.crf <= previous, `tolerance ${tolerance} picked ${r.crf} after ${previous}`);
      previous = r.crf;
      if (r.crf < 51) assert.ok(r.trials.some((t) => t.crf === r.crf + 1 && t.ratio > tolerance), 'the neighbour above was measured and fails');
      assert.ok(r.trials.length <= 8, `${r.trials.length} trial encodes`);
    }
    const none = await bisectCrf(async () => ({ ratio: 2, bytes: 1 }), 0.1, { min: 0, max: 51 });
    assert.deepEqual([none.crf, none.met], [0, false], 'nothing within tolerance: the lowest CRF, marked not met');
  });
});

describe('quality auto in a compress run (generated frames)', () => {
  let root: string;
  let input: string;
  const mockPixels = { qualityFeatures: async () => pixelFeatures };

  before(async () => {
    root = await tempDir();
    input = join(root, 'input');
    await writeSyntheticFolder(input, { count: 10, size: 128, seed: 5 });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('mock pixel criterion: the chosen CRF encodes the reel and the decision is recorded; tighter tolerance picks no larger CRF', async () => {
    const options = (t: number) => parseCompressOptions({ quality: 'auto', qualityTolerance: t, threads: 1, align: false, mask: false });
    const loose = await compressFolderCore(openLocalFolder, input, join(root, 'loose'), options(0.5), mockPixels);
    const tight = await compressFolderCore(openLocalFolder, input, join(root, 'tight'), options(0.01), mockPixels);
    for (const [s, t] of [[loose, 0.5], [tight, 0.01]] as const) {
      const q = s.manifest.quality!;
      assert.ok(q, 'recorded');
      assert.equal(s.manifest.codec.crf, q.crf, 'codec.crf is the chosen CRF');
      assert.equal(q.tolerance, t);
      assert.equal(q.criterion, 'pixels');
      assert.equal(q.heldOut.length, 10);
      const chosen = q.trials.find((x) => x.crf === q.crf);
      if (q.met && chosen) assert.ok(chosen.ratio <= t);
      // the stored manifest parses and carries the same decision
      assert.deepEqual((await loadManifest(new LocalStorage(s.outDir))).quality, q);
    }
    assert.ok(tight.manifest.quality!.crf < loose.manifest.quality!.crf, `tight ${tight.manifest.quality!.crf} vs loose ${loose.manifest.quality!.crf}`);
    assert.ok(tight.reelBytes > loose.reelBytes);
  });

  it('a probe measures its CRFs once on the same held-out frames, the search reuses them, and the choice is unchanged', async () => {
    const options = parseCompressOptions({ quality: 'auto', qualityTolerance: 0.5, threads: 1, align: false, mask: false });
    const seen: { crf: number; ratio: number; frames: number }[] = [];
    const probed = await compressFolderCore(openLocalFolder, input, join(root, 'probed'), options, {
      ...mockPixels,
      qualityProbe: { crfs: [20, 51, 30], onTrial: ({ crf, ratio, originals, decoded }) => seen.push({ crf, ratio, frames: Math.min(originals.length, decoded.length) }) },
    });
    const plain = await compressFolderCore(openLocalFolder, input, join(root, 'plain'), options, mockPixels);
    assert.deepEqual(seen.slice(0, 3).map((t) => t.crf), [20, 51, 30], 'probe CRFs first, in order');
    assert.equal(new Set(seen.map((t) => t.crf)).size, seen.length, 'no CRF is encoded twice');
    assert.ok(seen.every((t) => t.frames === 10));
    assert.equal(probed.manifest.quality!.crf, plain.manifest.quality!.crf, 'probing does not change the choice');
    // the search's own trials (51 was probed) carry the probe's measurement
    const t51 = probed.manifest.quality!.trials.find((t) => t.crf === 51)!;
    assert.equal(t51.ratio, seen.find((t) => t.crf === 51)!.ratio);
  });

  it('without a feature extractor (the core alone, as the cloud would be) it refuses in one line', async () => {
    await assert.rejects(
      compressFolderCore(openLocalFolder, input, join(root, 'none'), parseCompressOptions({ quality: 'auto', threads: 1, align: false, mask: false })),
      (e: Error) => /--quality auto needs the detector backbone/.test(e.message) && !e.message.includes('\n'),
    );
  });

  it('the CLI composition names a missing backbone file in one line', async () => {
    await assert.rejects(
      compressFolder(input, join(root, 'nobackbone'), parseCompressOptions({ quality: 'auto', backbonePath: join(root, 'missing.onnx'), threads: 1, align: false, mask: false })),
      (e: Error) => /backbone model not found/.test(e.message) && e.message.includes('missing.onnx'),
    );
  });
});
