// Frame order by similarity through the CLI path: a smooth sequence whose file names are shuffled encodes smaller in
// similarity order than in name order, the manifest lists frames in reel order, and restore gives every file back
// under its own name with the same pixels.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressFolder } from '../../../lambdas/cli/local-runs.ts';
import { encodePng } from '../../../lambdas/core/image-io.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';
import { restoredByName } from '../../helpers/restored.ts';
import { tempDir } from '../../helpers/synthetic-folder.ts';
import { barFrame } from '../report/synthetic-report.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';

const COUNT = 24;
// no alignment or mask: the order is the subject, so the frames reach the encoder as generated
const OPTS = { preset: 'ultrafast' as const, threads: 1, align: false, mask: false };

describe('frame order by similarity (CLI path)', () => {
  let root: string;
  let input: string;
  before(async () => {
    root = await tempDir();
    input = join(root, 'in');
    await mkdir(input);
    // a bar turning by 2 degrees a frame, saved under shuffled names
    const rand = mulberry32(3);
    const names = Array.from({ length: COUNT }, (_, i) => `img-${String(i).padStart(3, '0')}.png`);
    const shuffled = [names[0], ...names.slice(1).sort(() => rand() - 0.5)];
    for (let i = 0; i < COUNT; i++) await writeFile(join(input, shuffled[i]), await encodePng(barFrame(128, (i * 2 * Math.PI) / 180)));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('encodes fewer bytes than name order and restores the same pixels under the same names', async () => {
    const byName = await compressFolder(input, join(root, 'name'), parseCompressOptions({ ...OPTS, lossless: true, frameOrder: 'name' }));
    const bySimilarity = await compressFolder(input, join(root, 'similarity'), parseCompressOptions({ ...OPTS, lossless: true, frameOrder: 'similarity' }));
    assert.equal(byName.manifest.codec.frameOrder, 'name');
    assert.equal(bySimilarity.manifest.codec.frameOrder, 'similarity');
    const names = byName.manifest.frames.map((f) => f.name);
    assert.deepEqual(names, [...names].sort(), 'name order lists frames by name');
    const reel = bySimilarity.manifest.frames.map((f) => f.name);
    assert.notDeepEqual(reel, names);
    assert.deepEqual([...reel].sort(), names, 'every frame once');
    assert.equal(reel[0], names[0], 'the first frame stays first');
    const bytes = (r: typeof byName) => r.manifest.reels.reduce((a, s) => a + s.bytes, 0);
    assert.ok(bytes(bySimilarity) < bytes(byName) * 0.9, `similarity ${bytes(bySimilarity)} B vs name ${bytes(byName)} B`);
    // lossless both ways: the very same pixels come back under the same names
    assert.deepEqual(await restoredByName(join(root, 'similarity')), await restoredByName(join(root, 'name')));
  });

  it('orders within each segment: segments keep their frames, each segment starts at its first name', async () => {
    const r = await compressFolder(input, join(root, 'seg'), parseCompressOptions({ ...OPTS, crf: 30, segmentFrames: 8 }));
    assert.equal(r.manifest.codec.frameOrder, 'similarity', 'similarity is the default');
    const names = r.manifest.frames.map((f) => f.name);
    const sorted = [...names].sort();
    for (const s of r.manifest.reels) {
      const inSegment = names.slice(s.firstFrame, s.firstFrame + s.frameCount);
      assert.deepEqual([...inSegment].sort(), sorted.slice(s.firstFrame, s.firstFrame + s.frameCount));
      assert.equal(inSegment[0], sorted[s.firstFrame]);
    }
    assert.equal(Object.keys(await restoredByName(join(root, 'seg'))).length, COUNT);
  });
});
