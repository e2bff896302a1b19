// Native and WASM packages the handlers load at run time, copied from this repository's node_modules into each
// function's bundle (esbuild leaves them external). Copying is local and offline: no `npm install` at synth, no
// Docker. Everything copied is linux-x64 only: sharp's prebuilt @img/*-linux-x64 packages, and onnxruntime-node
// pruned to bin/napi-v*/linux/x64 (its darwin, win32 and arm64 binaries are dropped), so a bundle stays far below
// Lambda's 250 MB unzipped limit. These packages must be installed on the synth machine for linux-x64 (they are on
// a linux-x64 CI runner; on macOS run `npm install --os=linux --cpu=x64 sharp onnxruntime-node` first).

/** Bundled code imports these by name; they are not bundled. */
export const EXTERNAL_MODULES = ['sharp', 'onnxruntime-node', '@techstark/opencv-js'];

/** Whole packages copied into node_modules/ of the bundle (sharp and its runtime dependencies, OpenCV's WASM). */
const COPIED_PACKAGES = [
  'sharp',
  '@img/colour',
  '@img/sharp-linux-x64',
  '@img/sharp-libvips-linux-x64',
  'detect-libc',
  'semver',
  '@techstark/opencv-js',
  'onnxruntime-common',
];

/** Shell commands (run by CDK's local bundling after esbuild) that copy the runtime packages into `outputDir`. */
export function copyNativeModulesCommands(repoRoot: string, outputDir: string): string[] {
  const from = (p: string) => `"${repoRoot}/node_modules/${p}"`;
  const to = (p: string) => `"${outputDir}/node_modules/${p}"`;
  const cmds = [`mkdir -p "${outputDir}/node_modules/@img" "${outputDir}/node_modules/@techstark"`];
  for (const p of COPIED_PACKAGES) cmds.push(`cp -R ${from(p)} ${to(p)}`);
  // OpenCV: only the runtime file (drop sources and patches)
  cmds.push(`rm -rf ${to('@techstark/opencv-js/src')} ${to('@techstark/opencv-js/dist/opencv.js.patch')}`);
  // onnxruntime-node: package.json, the JS, and the linux-x64 binaries only
  cmds.push(`mkdir -p ${to('onnxruntime-node/bin/napi-v6/linux')}`);
  cmds.push(`cp ${from('onnxruntime-node/package.json')} ${to('onnxruntime-node/package.json')}`);
  cmds.push(`cp -R ${from('onnxruntime-node/dist')} ${to('onnxruntime-node/dist')}`);
  cmds.push(`cp -R ${from('onnxruntime-node/bin/napi-v6/linux/x64')} ${to('onnxruntime-node/bin/napi-v6/linux/x64')}`);
  return cmds;
}
