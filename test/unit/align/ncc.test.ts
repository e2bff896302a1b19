import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NccSums } from '../../../lambdas/core/align/ncc.ts';
import { mulberry32 } from '../../../lambdas/ground/prng.ts';

function direct(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

describe('NccSums', () => {
  it('equals the textbook correlation on random pairs, and is 1 / -1 on affine copies', () => {
    const rand = mulberry32(7);
    const a = Array.from({ length: 200 }, () => Math.round(rand() * 255));
    const b = a.map((v) => Math.round(0.5 * v + 40 * rand()));
    const sums = new NccSums();
    a.forEach((v, i) => sums.add(v, b[i]));
    assert.ok(Math.abs(sums.value(1e-9) - direct(a, b)) < 1e-9);
    const same = new NccSums();
    const flipped = new NccSums();
    for (const v of a) {
      same.add(v, 2 * v + 3);
      flipped.add(v, 255 - v);
    }
    assert.ok(Math.abs(same.value(1e-9) - 1) < 1e-12);
    assert.ok(Math.abs(flipped.value(1e-9) + 1) < 1e-12);
  });

  it('scores 0 under the sample minimum or for a constant side', () => {
    const few = new NccSums();
    for (let i = 0; i < 15; i++) few.add(i, i);
    assert.equal(few.value(1e-9, 16), 0);
    assert.ok(few.value(1e-9) > 0.999);
    const flat = new NccSums();
    for (let i = 0; i < 50; i++) flat.add(i, 100);
    assert.equal(flat.value(1e-12, 16), 0);
  });
});
