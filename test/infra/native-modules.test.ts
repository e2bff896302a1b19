// Which native packages a bundle carries is read from its esbuild metafile (infra/native-modules.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../infra/functions.ts';
import { copyNativeModulesCommands, nativeModulesOfBundle } from '../../infra/native-modules.ts';

const meta = (imports: { path: string; external?: boolean }[], inputs: string[] = []) => ({
  inputs: {},
  outputs: { 'index.mjs': { imports, inputs: Object.fromEntries(inputs.map((i) => [i, {}])) } },
});

describe('native modules of a bundle', () => {
  it('external imports of native packages (and their subpaths) are found; bundled or node: imports are not', () => {
    const m = meta([
      { path: 'sharp', external: true },
      { path: 'onnxruntime-node/dist/index.js', external: true },
      { path: 'node:fs', external: true },
      { path: 'zod', external: false },
    ]);
    assert.deepEqual(nativeModulesOfBundle(m, REPO_ROOT), ['onnxruntime-node', 'sharp']);
  });

  it("a literal require('@techstark/opencv-js') in one of our bundled files counts (esbuild does not follow createRequire)", () => {
    assert.deepEqual(nativeModulesOfBundle(meta([], ['lambdas/core/cv.ts']), REPO_ROOT), ['@techstark/opencv-js']);
  });

  it('a bundle that imports no native package gets no copy command', () => {
    assert.deepEqual(nativeModulesOfBundle(meta([{ path: 'node:crypto', external: true }], ['lambdas/handlers/start.ts']), REPO_ROOT), []);
    assert.deepEqual(copyNativeModulesCommands(REPO_ROOT, '/tmp/x', []), []);
    assert.ok(copyNativeModulesCommands(REPO_ROOT, '/tmp/x', ['onnxruntime-node']).some((c) => c.includes('napi-v6/linux/x64')));
  });
});
