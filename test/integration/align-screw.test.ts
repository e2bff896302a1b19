// PROTOCOL's CI subset of the real screws (the first 24 training images in sorted order): threshold
// segmentation, alignment onto 000.png, union mask with the default margin. Every frame must align, keep a
// PROTOCOL silhouette IoU >= 0.5 and stay contained in the union (< 0.5% outside).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { decodeImage, isImageName } from '../../lambdas/core/image-io.ts';
import { CONTAINMENT_LIMIT, measureAlignmentQuality } from '../../lambdas/core/metrics/alignment-quality.ts';
import { DEFAULT_MARGIN_PX } from '../../lambdas/core/compress/options.ts';

const CI_SUBSET = 24;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharedDir = process.env.ADREEL_SHARED ? resolve(process.env.ADREEL_SHARED) : join(repoRoot, '..', 'shared');
const trainDir = join(sharedDir, 'data', 'mvtec-screw', 'train', 'good');
const missing = existsSync(trainDir) ? false : `real screw data not found at ${trainDir} (set ADREEL_SHARED to the shared folder)`;

describe('alignment of the real screws (CI subset)', { skip: missing }, () => {
  it(`aligns the first ${CI_SUBSET} training images within PROTOCOL's limits`, async () => {
    const names = (await readdir(trainDir)).filter(isImageName).sort().slice(0, CI_SUBSET);
    assert.equal(names.length, CI_SUBSET, `expected at least ${CI_SUBSET} images in ${trainDir}`);
    const report = await measureAlignmentQuality(
      { names, load: async (name) => (await decodeImage(await readFile(join(trainDir, name)), name, { mode: 'grey' })).image },
      { marginsPx: [DEFAULT_MARGIN_PX] },
    );
    const notAligned = report.frames.filter((f) => !f.ok).map((f) => `${f.name}: ${f.reason}`);
    assert.deepEqual(notAligned, []);
    for (const f of report.frames) {
      const { silhouetteIou, containment } = f.perMargin[0];
      assert.ok(silhouetteIou >= 0.5, `${f.name}: PROTOCOL silhouette IoU ${silhouetteIou.toFixed(3)} < 0.5`);
      assert.ok(containment < CONTAINMENT_LIMIT, `${f.name}: ${(100 * containment).toFixed(3)}% of its silhouette outside the union`);
    }
    const m = report.margins[0];
    assert.ok(m.iou.mean >= 0.78, `mean silhouette IoU ${m.iou.mean.toFixed(3)} < 0.78`);
    assert.ok(m.unionFraction <= 0.22, `union covers ${(100 * m.unionFraction).toFixed(1)}% of the frame`);
  });
});
