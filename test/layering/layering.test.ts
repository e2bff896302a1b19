// Layering (README "Layout"), enforced by dependency-cruiser with the rules in .dependency-cruiser.cjs: the real tree
// must pass, and a fixture tree with deliberately planted upward imports must fail, naming each broken rule.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../infra/functions.ts';

function cruise(cwd: string, dirs: string[]): { status: number | null; out: string } {
  const r = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'depcruise'), ['--config', join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', ...dirs], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('layering', () => {
  it('the real tree: every import points down (lambdas, infra, bench)', () => {
    const r = cruise(REPO_ROOT, ['lambdas', 'infra', 'bench']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no dependency violations found/);
  });

  it('a fixture with planted upward imports fails on each of them', () => {
    const r = cruise(join(REPO_ROOT, 'test', 'fixtures', 'layering'), ['lambdas']);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /core-imports-no-edge: lambdas\/core\/planted\.ts → lambdas\/handlers\/start\.ts/);
    assert.match(r.out, /storage-imports-only-ground: lambdas\/storage\/local\.ts → lambdas\/core\/planted\.ts/);
    assert.match(r.out, /ground-imports-nothing-of-ours: lambdas\/ground\/reach\.ts → lambdas\/core\/planted\.ts/);
    assert.match(r.out, /cli-imports-no-handler: lambdas\/cli\/upload\.ts → lambdas\/handlers\/start\.ts/);
    assert.match(r.out, /core-imports-no-storage-adapter: lambdas\/core\/local-run\.ts → lambdas\/storage\/local\.ts/);
    assert.match(r.out, /5 dependency violations/);
  });
});
