import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../lambdas/ground/errors.ts';
import { checkNoWorseThanRaw, describeVerdict, parseKernelList, parseSeedList, type AurocCell } from '../../../lambdas/eval/robust.ts';

function grid(image: (seed: number, kernel: string) => number, pixel: (seed: number, kernel: string) => number): AurocCell[] {
  const cells: AurocCell[] = [];
  for (const kernel of ['linear', 'lanczos3'] as const) {
    for (let seed = 0; seed < 5; seed++) cells.push({ seed, kernel, imageAuroc: image(seed, kernel), pixelAuroc: pixel(seed, kernel) });
  }
  return cells;
}

describe('the robust "no worse than raw" rule', () => {
  const raw = grid((s) => 0.9 + s * 0.01, () => 0.95);

  it('holds when every cell is within the tolerance, and names the worst cell per metric', () => {
    // seed 3 / lanczos3 is 0.004 below raw on image AUROC: inside the default 0.005
    const candidate = grid((s, k) => 0.9 + s * 0.01 + (s === 3 && k === 'lanczos3' ? -0.004 : 0.02), () => 0.96);
    const verdict = checkNoWorseThanRaw(candidate, raw);
    assert.equal(verdict.holds, true);
    assert.equal(verdict.tolerance, 0.005);
    assert.equal(verdict.worst.image?.seed, 3);
    assert.equal(verdict.worst.image?.kernel, 'lanczos3');
    assert.ok(Math.abs(verdict.worst.image!.margin + 0.004) < 1e-9);
    assert.ok(Math.abs(verdict.worst.pixel!.margin - 0.01) < 1e-9);
    assert.equal(verdict.cells.length, 10);
    assert.match(describeVerdict(verdict), /holds; image worst -0\.0040 \(seed 3, lanczos3\)/);
  });

  it('fails when one cell of one kernel is below raw by more than the tolerance, even if the mean is far better', () => {
    const candidate = grid((s, k) => (s === 1 && k === 'linear' ? 0.9 + 0.01 - 0.006 : 0.99), () => 0.99);
    const verdict = checkNoWorseThanRaw(candidate, raw);
    assert.equal(verdict.holds, false);
    assert.equal(verdict.worst.image?.holds, false);
    assert.equal(verdict.worst.pixel?.holds, true);
    assert.match(describeVerdict(verdict), /fails; image worst -0\.0060 \(seed 1, linear\) BELOW/);
    // the same grid passes a looser claim and an image-blind (pixel only) claim
    assert.equal(checkNoWorseThanRaw(candidate, raw, { tolerance: 0.01 }).holds, true);
    assert.equal(checkNoWorseThanRaw(candidate, raw, { metrics: ['pixel'] }).holds, true);
  });

  it('a margin of exactly -tolerance holds', () => {
    const candidate = grid((s) => 0.9 + s * 0.01 - 0.005, () => 0.95);
    assert.equal(checkNoWorseThanRaw(candidate, raw).holds, true);
  });

  it('refuses a candidate that misses a (seed, kernel) cell of raw rather than holding vacuously', () => {
    const candidate = grid(() => 1, () => 1).filter((c) => !(c.kernel === 'lanczos3' && c.seed === 4));
    assert.throws(() => checkNoWorseThanRaw(candidate, raw), (e: unknown) => e instanceof UsageError && /seed 4, kernel lanczos3/.test(e.message));
    assert.throws(() => checkNoWorseThanRaw(candidate, []), UsageError);
    assert.throws(() => checkNoWorseThanRaw(raw, raw, { tolerance: -1 }), UsageError);
  });
});

describe('seed and kernel lists', () => {
  it('parses ranges and lists', () => {
    assert.deepEqual(parseSeedList('0-4'), [0, 1, 2, 3, 4]);
    assert.deepEqual(parseSeedList('0,2,5'), [0, 2, 5]);
    assert.deepEqual(parseSeedList('0-1,7'), [0, 1, 7]);
    assert.deepEqual(parseKernelList('linear'), ['linear']);
    assert.deepEqual(parseKernelList('linear,lanczos3'), ['linear', 'lanczos3']);
    assert.deepEqual(parseKernelList('linear|lanczos3'), ['linear', 'lanczos3']);
    assert.deepEqual(parseKernelList('both'), ['linear', 'lanczos3']);
  });
  it('refuses malformed, empty or repeating lists with a usage error', () => {
    for (const bad of ['', '4-0', 'a', '1,1', '0-2,2', '-1']) assert.throws(() => parseSeedList(bad), UsageError, bad);
    for (const bad of ['cubic', 'linear,linear', '', 'nearest']) assert.throws(() => parseKernelList(bad), UsageError, bad);
  });
});
