// Native and WASM packages the handlers load at run time, copied from this repository's node_modules into the
// bundle of each function that imports them (esbuild leaves them external). Which ones a function needs is read from
// its own bundle's esbuild metafile after bundling (infra/copy-native-modules.ts), so a function that needs none
// carries none and a new import cannot be forgotten. Copying is local and offline: no `npm install` at synth, no Docker. Everything
// copied is linux-x64 only: sharp's prebuilt @img/*-linux-x64 packages, and onnxruntime-node pruned to
// bin/napi-v*/linux/x64, so a bundle stays far below Lambda's 250 MB unzipped limit. These packages must be
// installed on the synth machine for linux-x64 (on macOS run `npm install --os=linux --cpu=x64 sharp
// onnxruntime-node` first).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Each package bundled code imports by name (left external), and the packages copied for it at run time. */
export const NATIVE_PACKAGES = {
  sharp: ['sharp', '@img/colour', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', 'detect-libc', 'semver'],
  'onnxruntime-node': ['onnxruntime-node', 'onnxruntime-common'],
  '@techstark/opencv-js': ['@techstark/opencv-js'],
} as const;
export type NativePackage = keyof typeof NATIVE_PACKAGES;

export const EXTERNAL_MODULES = Object.keys(NATIVE_PACKAGES) as NativePackage[];

const packageOf = (specifier: string): NativePackage | undefined =>
  EXTERNAL_MODULES.find((m) => specifier === m || specifier.startsWith(`${m}/`));

/** A literal `require('<package>')` (e.g. through `createRequire`, which esbuild does not follow) still needs the package. */
const LITERAL_REQUIRE = /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

/**
 * The native packages one bundle needs, from its esbuild metafile: the external imports esbuild recorded (static
 * and dynamic), and literal `require`s in the repository's own source files bundled into it. Sorted.
 */
export function nativeModulesOfBundle(meta: Metafile, repoRoot: string): NativePackage[] {
  const found = new Set<NativePackage>();
  for (const out of Object.values(meta.outputs)) {
    for (const imp of out.imports) {
      const pkg = imp.external ? packageOf(imp.path) : undefined;
      if (pkg) found.add(pkg);
    }
    for (const file of Object.keys(out.inputs)) {
      if (file.includes('node_modules/') || !file.endsWith('.ts')) continue;
      for (const m of readFileSync(resolve(repoRoot, file), 'utf8').matchAll(LITERAL_REQUIRE)) {
        const pkg = packageOf(m[1]);
        if (pkg) found.add(pkg);
      }
    }
  }
  return [...found].sort();
}

/** Shell commands (run by CDK's local bundling after esbuild) that copy `modules` into `outputDir`. */
export function copyNativeModulesCommands(repoRoot: string, outputDir: string, modules: readonly NativePackage[]): string[] {
  if (modules.length === 0) return [];
  const from = (p: string) => `"${repoRoot}/node_modules/${p}"`;
  const to = (p: string) => `"${outputDir}/node_modules/${p}"`;
  const cmds = [`mkdir -p "${outputDir}/node_modules/@img" "${outputDir}/node_modules/@techstark"`];
  for (const m of modules) {
    for (const p of NATIVE_PACKAGES[m]) {
      if (p === 'onnxruntime-node') {
        // package.json, the JS, and the linux-x64 binaries only
        cmds.push(`mkdir -p ${to('onnxruntime-node/bin/napi-v6/linux')}`);
        cmds.push(`cp ${from('onnxruntime-node/package.json')} ${to('onnxruntime-node/package.json')}`);
        cmds.push(`cp -R ${from('onnxruntime-node/dist')} ${to('onnxruntime-node/dist')}`);
        cmds.push(`cp -R ${from('onnxruntime-node/bin/napi-v6/linux/x64')} ${to('onnxruntime-node/bin/napi-v6/linux/x64')}`);
      } else {
        cmds.push(`cp -R ${from(p)} ${to(p)}`);
      }
    }
  }
  // OpenCV: only the runtime file (drop sources and patches)
  if (modules.includes('@techstark/opencv-js')) cmds.push(`rm -rf ${to('@techstark/opencv-js/src')} ${to('@techstark/opencv-js/dist/opencv.js.patch')}`);
  return cmds;
}
