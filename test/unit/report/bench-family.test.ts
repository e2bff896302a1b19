// The benchmarks' family builder (bench/lib/table1/family.ts) must make exactly what compressFolder makes with the
// same options, byte for byte (manifest apart from its time stamp, reel, masks), or Table 1 would not measure the
// product. Synthetic screws, threads pinned so the reels are reproducible.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressFamily } from '../../../bench/lib/table1/family.ts';
import { compressFolder } from '../../../lambdas/cli/local-runs.ts';
import { parseCompressOptions, type  CompressOptionsInput } from '../../../lambdas/core/compress/options.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { manifestFileDocument } from '../../../lambdas/core/manifest.ts';

const BASE: CompressOptionsInput = { threads: 1, segmenter: 'threshold', preset: 'ultrafast' };
const MEMBERS: CompressOptionsInput[] = [
  { ...BASE, crf: 30 },
  { ...BASE, crf: 45, mask: false },
  { ...BASE, crf: 40, x265Params: 'bframes=2', marginPx: 2 },
];

async function contents(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const o of await new LocalStorage(dir).list('')) {
    const bytes = await readFile(join(dir, o.key));
    if (o.key === 'manifest.bin') {
      const m = manifestFileDocument(bytes, 'manifest.bin');
      delete m.createdAt;
      delete m.digest; // covers createdAt
      files[o.key] = JSON.stringify(m);
    } else files[o.key] = bytes.toString('base64');
  }
  return files;
}

describe('bench family builder', () => {
  let work: string;
  let input: string;
  before(async () => {
    work = await tempDir('adreel-family-');
    input = join(work, 'in');
    await writeSyntheticFolder(input, { count: 6, size: 160, seed: 7 });
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('one alignment, several outputs, each identical to compressFolder with its options', async () => {
    const family = await compressFamily(
      input,
      MEMBERS.map((options, i) => ({ outDir: join(work, `family-${i}`), options })),
    );
    assert.equal(family.length, MEMBERS.length);
    for (let i = 0; i < MEMBERS.length; i++) {
      const single = await compressFolder(input, join(work, `single-${i}`), parseCompressOptions(MEMBERS[i]));
      assert.equal(family[i].reelBytes, single.reelBytes, `member ${i} reel bytes`);
      assert.deepEqual(await contents(join(work, `family-${i}`)), await contents(join(work, `single-${i}`)), `member ${i} output`);
    }
    assert.equal(family[1].unionFraction, null);
  });

  it('refuses members that would align differently', async () => {
    await assert.rejects(
      compressFamily(input, [
        { outDir: join(work, 'x0'), options: BASE },
        { outDir: join(work, 'x1'), options: { ...BASE, align: false } },
      ]),
      /aligns differently/,
    );
  });
});
