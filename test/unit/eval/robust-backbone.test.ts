// Robust evaluation end to end on a generated category (no real data; needs the PaDiM backbone, skipped without it).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../lambdas/cli/main.ts';
import { backboneMissing } from '../../helpers/backbone.ts';
import { evaluateCategory } from '../../../lambdas/eval/evaluate.ts';
import { evaluateRobustCategory } from '../../../lambdas/eval/robust.ts';
import { writeSyntheticCategory } from '../../helpers/synthetic-category.ts';

const skip = backboneMissing();
if (skip) console.log(`# skipping robust evaluation test: ${skip}`);

async function captureStdout(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const original = console.log;
  let out = '';
  console.log = (...parts: unknown[]) => {
    out += parts.join(' ') + '\n';
  };
  try {
    return { code: await run(), out };
  } finally {
    console.log = original;
  }
}

describe('robust evaluation on a generated category', { skip }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'adreel-robust-'));
    await writeSyntheticCategory(path.join(dir, 'cat'), { train: 8, good: 3, defective: 3, size: 128, seed: 3 });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('evaluates seeds x kernels, one backbone pass per kernel, each cell equal to a single-seed, single-kernel run', { timeout: 180_000 }, async () => {
    const category = path.join(dir, 'cat');
    const robust = await evaluateRobustCategory(category, { seeds: [0, 1], kernels: ['linear', 'lanczos3'] });
    assert.deepEqual(robust.cells.map((c) => `${c.kernel}/${c.seed}`), ['linear/0', 'linear/1', 'lanczos3/0', 'lanczos3/1']);
    assert.deepEqual(Object.keys(robust.seconds.featuresPerKernel).sort(), ['lanczos3', 'linear']);
    const single = await evaluateCategory(category, { seed: 1, kernel: 'lanczos3' });
    const cell = robust.cells[3];
    assert.equal(single.kernel, 'lanczos3');
    assert.equal(cell.imageAuroc, single.imageAuroc);
    assert.equal(cell.pixelAuroc, single.pixelAuroc);
    // the kernels feed the backbone different pixels, so the scores differ (the grid is not one figure four times)
    const linear = robust.cells[1].imageScores.map((s) => s.score);
    assert.notDeepEqual(linear, cell.imageScores.map((s) => s.score));
    // the painted squares are found: well above chance at pixel level in every cell
    for (const c of robust.cells) assert.ok(c.pixelAuroc > 0.7, `${c.kernel}/${c.seed}: pixel AUROC ${c.pixelAuroc}`);
    assert.ok(robust.summary.image.min <= robust.summary.image.mean && robust.summary.image.mean <= robust.summary.image.max);
  });

  it('CLI: --seeds 1 --kernel lanczos3 --baseline <itself> holds with zero margins, exit 0, JSON', { timeout: 180_000 }, async () => {
    const category = path.join(dir, 'cat');
    const { code, out } = await captureStdout(() =>
      main(['eval', category, '--seeds', '1', '--kernel', 'lanczos3', '--baseline', category, '--json']),
    );
    assert.equal(code, 0);
    const parsed = JSON.parse(out);
    assert.equal(parsed.verdict.holds, true);
    assert.equal(parsed.verdict.worst.image.margin, 0);
    assert.equal(parsed.verdict.cells.length, 1);
    assert.deepEqual(parsed.result.seeds, [1]);
  });

  it('CLI: a usage error for a bad kernel list exits 2', async () => {
    const original = console.error;
    console.error = () => undefined;
    try {
      assert.equal(await main(['eval', path.join(dir, 'cat'), '--kernel', 'cubic']), 2);
      assert.equal(await main(['eval', path.join(dir, 'cat'), '--seed', '1', '--seeds', '0-4']), 2);
    } finally {
      console.error = original;
    }
  });
});
