// The benchmarks build the reels of one alignment group through --reuse-alignment (bench/lib/table1/family.ts); each
// must be exactly what a direct compressFolder makes with the same options, file for file (manifest apart from its
// time stamp and the digest over it, reel, masks, reference), or Table 1 and the sweep would not measure the product
// and a cached point could not stand for either path. Synthetic screws, threads pinned so the reels are reproducible.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alignmentGroup, compressFamily, familiesOf, type FamilySummary } from '../../../bench/lib/table1/family.ts';
import { geometryOf } from '../../../bench/lib/table1/pipeline.ts';
import { alignmentSection } from '../../../bench/lib/table1/report-data.ts';
import type { PointSummary } from '../../../bench/lib/table1/results.ts';
import { restoreFrames } from '../../../lambdas/core/restore.ts';
import sharp from 'sharp';
import { familyPlan } from '../../../bench/lib/table1/session.ts';
import { TABLE1_ROWS, type VariantSpec } from '../../../bench/lib/table1/variants.ts';
import { compressFolder } from '../../../lambdas/cli/local-runs.ts';
import { parseCompressOptions, type CompressOptionsInput } from '../../../lambdas/core/compress/options.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { manifestFileDocument } from '../../../lambdas/core/manifest.ts';

const BASE: CompressOptionsInput = { threads: 1, segmenter: 'threshold', preset: 'ultrafast' };
const MEMBERS: CompressOptionsInput[] = [
  { ...BASE, crf: 30 },
  // aligned: a --no-mask member reuses the masked base
  { ...BASE, crf: 45, mask: false },
  // another margin is another union mask: its own base
  { ...BASE, crf: 40, x265Params: 'bframes=2', marginPx: 2 },
  { ...BASE, crf: 36, marginPx: 2, frameOrder: 'name' },
  // unaligned and masked (the training poses come from the align stage's pose matrices)
  { ...BASE, crf: 30, align: false },
  { ...BASE, crf: 40, align: false },
];
/** which member's output each member's alignment comes from (undefined: it is a base) */
const REUSES = [undefined, 0, undefined, 2, undefined, 4];

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

describe('bench family builder (--reuse-alignment)', () => {
  let work: string;
  let input: string;
  let family: FamilySummary[];
  const out = (i: number) => join(work, `family-${i}`);
  before(async () => {
    work = await tempDir('adreel-family-');
    input = join(work, 'in');
    await writeSyntheticFolder(input, { count: 6, size: 160, seed: 7 });
    family = await compressFamily(input, MEMBERS.map((options, i) => ({ outDir: out(i), options })));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('one alignment per group; every member identical to compressFolder with its options', async () => {
    assert.equal(family.length, MEMBERS.length);
    for (let i = 0; i < MEMBERS.length; i++) {
      assert.equal(family[i].reusedAlignment, REUSES[i] === undefined ? undefined : out(REUSES[i]!), `member ${i}'s base`);
      if (REUSES[i] !== undefined) assert.equal(family[i].seconds.align, undefined, `member ${i} did not align`);
      const single = await compressFolder(input, join(work, `single-${i}`), parseCompressOptions(MEMBERS[i]));
      assert.equal(family[i].reelBytes, single.reelBytes, `member ${i} reel bytes`);
      assert.deepEqual(await contents(out(i)), await contents(join(work, `single-${i}`)), `member ${i} output`);
    }
    assert.equal(family[1].unionFraction, null);
    assert.ok(family[5].manifest.pose, 'the unaligned masked member keeps its training poses');
  });

  it('an existing output of the group serves as the base: nothing aligns', async () => {
    const [s] = await compressFamily(input, [{ outDir: join(work, 'late'), options: { ...BASE, crf: 50 } }], {}, [{ outDir: out(0), options: MEMBERS[0] }]);
    assert.equal(s.reusedAlignment, out(0));
    assert.equal(s.seconds.align, undefined);
  });

  it('groups: an aligned run shares its alignment across mask on/off, an unaligned one does not; the margin splits', () => {
    assert.equal(alignmentGroup(MEMBERS[0]), alignmentGroup(MEMBERS[1]));
    assert.notEqual(alignmentGroup(MEMBERS[0]), alignmentGroup(MEMBERS[2]));
    assert.notEqual(alignmentGroup(MEMBERS[4]), alignmentGroup({ ...MEMBERS[4], mask: false }));
    assert.equal(alignmentGroup({ crf: 20 }), alignmentGroup({ lossless: true, rateFps: 1, preset: 'slow' }));
    assert.deepEqual(familiesOf(MEMBERS.map((_, i) => i), (i) => MEMBERS[i]), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(familiesOf([0, 1], (i) => (i === 0 ? MEMBERS[0] : undefined)), [], 'a group of one is no family');
  });

  it("the test set's transform key: shared across encodings of one alignment, not across alignments", () => {
    assert.deepEqual(geometryOf(family[5].manifest), geometryOf(family[4].manifest), 'CRF 30 and 40 of one alignment');
    assert.notDeepEqual(geometryOf(family[0].manifest), geometryOf(family[2].manifest), 'another union margin');
    assert.notDeepEqual(geometryOf(family[0].manifest), geometryOf({ ...family[0].manifest, pose: undefined }), 'the training poses count');
  });

  it("the run's plan: Table 1's rows in three families (aligned; unaligned masked; unaligned unmasked), points after their family", () => {
    const session = { family: (id: string, specs: Extract<VariantSpec, { kind: 'reel' }>[], bases: Extract<VariantSpec, { kind: 'reel' }>[] = []) => ({ id, specs, bases }) as never };
    const rows = [7, 3, 8, 4, 5, 1, 6, 2, 0].map((n) => TABLE1_ROWS.find((r) => r.row === n)!);
    const plan = familyPlan(session, rows, (r) => r.spec);
    const families = plan.families as unknown as { id: string; specs: VariantSpec[] }[];
    assert.deepEqual(families.map((f) => f.specs.map((s) => s.id)), [['row7', 'row3', 'row8', 'row4'], ['row5', 'row6'], ['row1', 'row2']]);
    assert.deepEqual(plan.ordered.map((r) => r.row), [0, 7, 3, 8, 4, 5, 6, 1, 2]);
    assert.deepEqual(plan.after, [undefined, undefined, undefined, undefined, 'family-row7', 'family-row7', 'family-row7', 'family-row7', 'family-row5', 'family-row5', 'family-row1', 'family-row1']);
    assert.deepEqual(familyPlan(session, rows, (r) => r.spec, false).families, [], '--no-family');
    // one new reel with a measured base of its group: a family of one (it re-encodes, it does not align)
    const one = familyPlan(session, [rows[0]], (r) => r.spec, true, [{ ...(rows[1].spec as Extract<VariantSpec, { kind: 'reel' }>), id: 'earlier' }]);
    assert.deepEqual((one.families as unknown as { bases: VariantSpec[] }[]).map((f) => f.bases.map((b) => b.id)), [['earlier']]);
  });

  it("the report's alignment pictures read from a member's output (packed union mask, compact reference)", async () => {
    const trainDir = join(work, 'restored-0');
    await mkdir(trainDir);
    for await (const f of restoreFrames(new LocalStorage(out(0)))) await writeFile(join(trainDir, f.fileName), f.png);
    const section = await alignmentSection({ outDir: out(0), trainDir, settings: 'crf 30' } as PointSummary, 'test');
    assert.ok(section?.unionMask, 'a masked output has a union mask picture');
    const bytesOf = (i: unknown) => (i as { bytes: Uint8Array }).bytes;
    const mask = await sharp(bytesOf(section.unionMask)).metadata();
    assert.equal(mask.format, 'png');
    assert.equal(mask.width, family[0].manifest.frame.width);
    assert.ok((await sharp(bytesOf(section.reference)).metadata()).width);
    assert.equal(section.frames.length, family[0].frames);
  });
});
