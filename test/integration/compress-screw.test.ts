// Real screws (PROTOCOL.md's CI subset: first 24 training images, 12 test images over the defect types), threshold
// segmenter: all aligned, PROTOCOL silhouette figures, lossless bit-exact restore, transform of test images.
import assert from 'node:assert/strict';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { measureOutputQuality } from '../../bench/lib/output-quality.ts';
import { screwDir, screwMissing } from '../../bench/lib/shared-data.ts';
import { warpImage } from '../../lambdas/core/align/index.ts';
import { compressFolder, transformFolder } from '../../lambdas/cli/local-runs.ts';
import type { CompressSummary } from '../../lambdas/core/compress/compress-folder.ts';
import { frameSha256 } from '../../lambdas/core/hash.ts';
import { decodeImage, decodeMask } from '../../lambdas/core/image-io.ts';
import { restoreFrames } from '../../lambdas/core/restore.ts';
import { applyMask } from '../../lambdas/core/union-mask.ts';
import { verifyOutput } from '../../lambdas/core/verify.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';
import { tempDir } from '../helpers/synthetic-folder.ts';
import { CI_TRAIN, linkTestSubset, linkTrainSubset } from '../helpers/screw-subset.ts';
import { parseCompressOptions } from '../../lambdas/core/compress/options.ts';

const missing = screwMissing();

describe('real MVTec screws, CI subset', { skip: missing }, () => {
  let root: string;
  let input: string;
  let lossy: CompressSummary;

  before(async () => {
    root = await tempDir('adreel-screw-');
    input = join(root, 'train');
    await linkTrainSubset(input);
    lossy = await compressFolder(input, join(root, 'crf28'), parseCompressOptions({ crf: 28, segmenter: 'threshold' }));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('aligns every image at CRF 28 with PROTOCOL silhouette IoU >= 0.5 each, containment < 0.5%, union <= 22%', async () => {
    assert.equal(lossy.frames, CI_TRAIN);
    const q = await measureOutputQuality(join(root, 'crf28'), join(screwDir(), 'train', 'good'));
    assert.equal(q.aligned, CI_TRAIN, 'every frame aligned');
    assert.ok(q.iou.min >= 0.5, `min IoU ${q.iou.min.toFixed(3)} (worst: ${JSON.stringify(q.worst.slice(0, 3))})`);
    assert.ok(q.iou.mean >= 0.78, `mean IoU ${q.iou.mean.toFixed(3)}`);
    assert.ok(q.containment.max < 0.005, `max containment ${(100 * q.containment.max).toFixed(3)}%`);
    assert.ok(q.unionFraction <= 0.22, `union ${(100 * q.unionFraction).toFixed(1)}%`);
    assert.equal((await verifyOutput(new LocalStorage(join(root, 'crf28')))).ok, true);
  });

  it('--lossless restores every frame bit-exactly (decoded pixels = aligned, masked frames)', async () => {
    const out = join(root, 'lossless');
    const s = await compressFolder(input, out, parseCompressOptions({ lossless: true, segmenter: 'threshold' }));
    const union = await decodeMask(await readFile(join(out, 'mask.bin')), 'mask.bin');
    let n = 0;
    for await (const f of restoreFrames(new LocalStorage(out))) {
      const record = s.manifest.frames[f.index];
      const src = (await decodeImage(await readFile(join(input, record.name)), record.name)).image;
      const expected = applyMask(await warpImage(src, record.transform!, s.manifest.frame.width, s.manifest.frame.height), union);
      assert.equal(frameSha256((await decodeImage(f.png, f.fileName)).image), frameSha256(expected), record.name);
      n++;
    }
    assert.equal(n, CI_TRAIN);
  });

  it('transforms test images and ground truth into the training geometry', async () => {
    const cat = join(root, 'category');
    const linked = await linkTestSubset(cat);
    const dest = join(root, 'transformed');
    const s = await transformFolder(join(root, 'crf28'), cat, dest);
    assert.equal(s.images, linked);
    assert.ok(s.groundTruthMasks >= 5);
    const types = (await readdir(join(dest, 'test'))).sort();
    assert.deepEqual(types, (await readdir(join(screwDir(), 'test'))).sort());
    // Good test screws align like training screws.
    const good = s.report.filter((r) => r.file.startsWith('test/good/'));
    assert.ok(good.every((r) => r.ok), JSON.stringify(good));
  });
});
