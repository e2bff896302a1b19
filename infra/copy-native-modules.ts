// Run by CDK's local bundling after esbuild (functions.ts afterBundling): reads the bundle's metafile, copies the
// native packages that bundle imports into its node_modules/, and removes the metafile (it is not deployed).
//   node --import tsx infra/copy-native-modules.ts <repoRoot> <outputDir>
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyNativeModulesCommands, nativeModulesOfBundle } from './native-modules.ts';

const [repoRoot, outputDir] = process.argv.slice(2);
if (!repoRoot || !outputDir) throw new Error('usage: copy-native-modules.ts <repoRoot> <outputDir>');
const metaPath = join(outputDir, 'index.meta.json');
const modules = nativeModulesOfBundle(JSON.parse(readFileSync(metaPath, 'utf8')), repoRoot);
for (const cmd of copyNativeModulesCommands(repoRoot, outputDir, modules)) execFileSync('sh', ['-c', cmd], { stdio: 'inherit' });
rmSync(metaPath);
