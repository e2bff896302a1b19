// --on-align-failure on generated data: an image with no object and an image of another object.
// flag (default) stops on an image that cannot be aligned at all (no object) and keeps one that only scores as an
// outlier of its dataset, flagged with its margin; fail (strict) stops on both; drop leaves it out and records why;
// keep keeps it, flagged, never silently.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressFolder } from '../../../lambdas/cli/local-runs.ts';
import { encodePng } from '../../../lambdas/core/image-io.ts';
import { renderSyntheticObject } from '../../../lambdas/core/synthetic/objects.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';

const SIZE = 256;

describe('--on-align-failure', () => {
  let root: string;
  let blankSet: string;
  let otherSet: string;

  before(async () => {
    root = await tempDir('adreel-policy-');
    blankSet = join(root, 'blank');
    await writeSyntheticFolder(blankSet, { count: 4, size: SIZE, seed: 11 });
    const blank = new Uint8Array(SIZE * SIZE).fill(180);
    await writeFile(join(blankSet, 'zz-empty-table.png'), await encodePng({ width: SIZE, height: SIZE, channels: 1, data: blank }));
    otherSet = join(root, 'other');
    await writeSyntheticFolder(otherSet, { count: 4, size: SIZE, seed: 12 });
    const bracket = renderSyntheticObject({ kind: 'asymmetric', width: SIZE, height: SIZE, angleDeg: 30, scale: 1, tx: 0, ty: 0, seed: 3 });
    await writeFile(join(otherSet, 'zz-wrong-part.png'), await encodePng(bracket.image));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('flag (default): an image with no object stops the run, naming the file', async () => {
    await assert.rejects(compressFolder(blankSet, join(root, 'o1'), parseCompressOptions({ segmenter: 'threshold' })), /zz-empty-table\.png.*(no object|not object-on-background)/);
  });

  it('flag (default): an image of another object is kept, flagged as an outlier with its margin in the manifest and the summary', async () => {
    const s = await compressFolder(otherSet, join(root, 'o2'), parseCompressOptions({ segmenter: 'threshold' }));
    assert.equal(s.frames, 5);
    const kept = s.manifest.frames.find((f) => f.name === 'zz-wrong-part.png');
    assert.ok(kept?.alignment?.outlier && kept.alignment.outlier.margin < 0, JSON.stringify(kept?.alignment));
    assert.deepEqual(s.outliers?.map((o) => o.name), ['zz-wrong-part.png']);
    assert.ok(s.outliers![0].margin < 0);
    assert.ok(s.warnings.some((w) => /zz-wrong-part\.png: an outlier of its dataset.*below the gate/.test(w)), s.warnings.join('\n'));
    // the other frames are not flagged
    assert.equal(s.manifest.frames.filter((f) => f.alignment?.outlier).length, 1);
  });

  it('fail (strict): an image of another object stops the run, naming the file', async () => {
    await assert.rejects(compressFolder(otherSet, join(root, 'o2s'), parseCompressOptions({ segmenter: 'threshold', onAlignFailure: 'fail' })), /zz-wrong-part\.png.*cannot be aligned/);
  });

  it('drop: the image is left out and the reason recorded', async () => {
    const s = await compressFolder(otherSet, join(root, 'o3'), parseCompressOptions({ segmenter: 'threshold', onAlignFailure: 'drop' }));
    assert.equal(s.frames, 4);
    assert.deepEqual(s.manifest.dropped.map((d) => d.name), ['zz-wrong-part.png']);
    assert.match(s.manifest.dropped[0].reason, /cannot be aligned/);
    assert.ok(!s.manifest.frames.some((f) => f.name === 'zz-wrong-part.png'));
  });

  it('keep: the image stays in the reel, flagged in the manifest and in a warning', async () => {
    const s = await compressFolder(otherSet, join(root, 'o4'), parseCompressOptions({ segmenter: 'threshold', onAlignFailure: 'keep' }));
    assert.equal(s.frames, 5);
    const kept = s.manifest.frames.find((f) => f.name === 'zz-wrong-part.png');
    assert.equal(kept?.alignment?.ok, false);
    assert.ok(s.warnings.some((w) => /zz-wrong-part\.png.*kept/.test(w)), s.warnings.join('\n'));
  });

  it('keep: an image with no object stays, unaligned and flagged', async () => {
    const s = await compressFolder(blankSet, join(root, 'o5'), parseCompressOptions({ segmenter: 'threshold', onAlignFailure: 'keep' }));
    assert.equal(s.frames, 5);
    assert.ok(s.warnings.some((w) => /zz-empty-table\.png.*kept unaligned/.test(w)), s.warnings.join('\n'));
    const kept = s.manifest.frames.find((f) => f.name === 'zz-empty-table.png');
    assert.deepEqual([kept?.alignment?.ok, kept?.alignment?.method], [false, 'unaligned']);
  });
});
