import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { EvalDataError } from '../../../lambdas/eval/errors.ts';
import { readMvtecCategory, readSplitFromFolders } from '../../../lambdas/eval/mvtec.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'adreel-mvtec-'));
after(() => rmSync(root, { recursive: true, force: true }));

function touch(...parts: string[]): void {
  const file = path.join(root, ...parts);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
}

describe('readMvtecCategory', () => {
  it('lists train, test and masks in sorted order, good images without masks', async () => {
    touch('cat', 'train', 'good', '001.png');
    touch('cat', 'train', 'good', '000.png');
    touch('cat', 'train', 'good', 'notes.txt');
    touch('cat', 'test', 'good', '000.png');
    touch('cat', 'test', 'crack', '003.png');
    touch('cat', 'ground_truth', 'crack', '003_mask.png');
    const split = await readMvtecCategory(path.join(root, 'cat'));
    assert.deepEqual(split.trainFiles.map((file) => path.basename(file)), ['000.png', '001.png']);
    assert.deepEqual(
      split.testImages.map((image) => [image.defectType, image.anomalous, image.maskFile && path.basename(image.maskFile)]),
      [
        ['crack', true, '003_mask.png'],
        ['good', false, undefined],
      ],
    );
  });

  it('names the missing mask file', async () => {
    touch('nomask', 'train', 'good', '000.png');
    touch('nomask', 'test', 'hole', '007.png');
    mkdirSync(path.join(root, 'nomask', 'ground_truth', 'hole'), { recursive: true });
    await assert.rejects(readMvtecCategory(path.join(root, 'nomask')), (error: unknown) => {
      assert.ok(error instanceof EvalDataError);
      assert.match(error.message, /hole[/\\]007_mask\.png/);
      return true;
    });
  });

  it('names a missing training folder', async () => {
    await assert.rejects(
      readSplitFromFolders({ trainDir: path.join(root, 'absent'), testDir: root, groundTruthDir: root }),
      /absent: training image folder is missing/,
    );
  });
});
