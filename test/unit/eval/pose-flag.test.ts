// eval --pose-flag on hand-made image scores and transform reports (both report shapes).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyPoseFlag, loadPoseFlags, poseFlagFor } from '../../../lambdas/eval/pose-flag.ts';

const pose = (flagged: boolean) => ({
  x: 10, y: 10, angleDeg: 0, scale: 1, shiftPct: 0, turnDeg: 0,
  z: { x: flagged ? 9 : 1, y: 0, angleDeg: 0, logScale: 0 },
  distance: flagged ? 9 : 1, threshold: 3, flagged, main: 'x' as const,
});
/** A transform report as transform writes it (core/transform-report.ts), with these entries. */
function report(entries: { file: string; pose: ReturnType<typeof pose> | null }[]) {
  return JSON.stringify({
    schema: 'adreel.transform-report', version: 1, images: entries.length, groundTruthMasks: 0,
    flagged: 0, poseFlagged: entries.filter((e) => e.pose?.flagged).length,
    poseModel: { source: 'none', summary: null, reason: 'hand-made' }, warnings: [],
    report: entries.map((e) => ({ name: e.file, file: e.file, score: 0.9, ok: true, matrix: null, pose: e.pose, warnings: [] })),
  });
}
const scores = [
  { file: '/t/test/good/000.png', defectType: 'good', score: 1 },
  { file: '/t/test/good/001.png', defectType: 'good', score: 5 },
  { file: '/t/test/misplaced/000.png', defectType: 'misplaced', score: 2 },
  { file: '/t/test/scratch/000.png', defectType: 'scratch', score: 6 },
];

describe('eval pose flag', () => {
  it('ranks flagged images above every unflagged one and reports AUROC with and without', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adreel-poseflag-'));
    try {
      await writeFile(
        join(dir, 'transform-report.json'),
        report([
          { file: 'test/good/000.png', pose: pose(false) },
          { file: 'test/good/001.png', pose: pose(false) },
          { file: 'test/misplaced/000.png', pose: pose(true) },
          { file: 'test/scratch/000.png', pose: null },
        ]),
      );
      const flags = (await poseFlagFor(dir, true))!;
      const r = applyPoseFlag(scores, flags);
      // without: positives 2 and 6 against negatives 1 and 5: 3 of 4 pairs
      assert.equal(r.imageAuroc, 0.75);
      assert.equal(r.imageAurocWithFlag, 1);
      assert.deepEqual([r.flaggedGood, r.flaggedDefective, r.good, r.defective], [0, 1, 2, 2]);
      assert.equal(await poseFlagFor(dir, false), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the report of a flat folder (the cloud path), matching by stem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adreel-poseflag-'));
    try {
      const file = join(dir, 'r.json');
      await writeFile(file, report([{ file: 'a.png', pose: pose(true) }, { file: 'b.png', pose: pose(false) }]));
      const flags = await loadPoseFlags(file);
      const r = applyPoseFlag(
        [
          { file: '/x/good/b.png', defectType: 'good', score: 3 },
          { file: '/x/bad/a.png', defectType: 'bad', score: 1 },
        ],
        flags,
      );
      assert.equal(r.imageAuroc, 0);
      assert.equal(r.imageAurocWithFlag, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a report without poses, and a test image the report does not list, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adreel-poseflag-'));
    try {
      const file = join(dir, 'transform-report.json');
      await writeFile(file, report([{ file: 'test/good/000.png', pose: null }]));
      await assert.rejects(loadPoseFlags(file), (e: Error & { file?: string }) => /no pose for any image: hand-made; --pose-flag needs one$/.test(e.message) && !e.message.includes('\n') && e.file === file);
      await writeFile(file, report([{ file: 'test/good/000.png', pose: pose(false) }]));
      const flags = await loadPoseFlags(file);
      assert.throws(() => applyPoseFlag(scores, flags), /not in the transform report/);
      await writeFile(file, '{"nope": 1}');
      await assert.rejects(loadPoseFlags(file), /not an adreel transform report/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
