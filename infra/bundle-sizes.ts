// Prints each bundled function's unpacked size from a synthesized cloud assembly, split into the esbuild bundle
// and the native packages copied beside it (Lambda's limit is 250 MB unpacked).
//   npx cdk synth --quiet -o cdk.out && node --import tsx infra/bundle-sizes.ts cdk.out
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXTERNAL_MODULES } from './native-modules.ts';

interface Resource {
  Type: string;
  Metadata?: Record<string, unknown>;
}

function bytesOf(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((a, f) => a + bytesOf(join(path, f)), 0);
}

/** Top-level packages in a bundle's node_modules (scoped ones as @scope/name). */
function packagesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, n)).map((m) => `${n}/${m}`) : [n])).sort();
}

export interface BundleSize {
  fn: string;
  bundleBytes: number;
  nativeBytes: number;
  packages: string[];
}

export function bundleSizes(assembly: string, stack = 'AdreelStack'): BundleSize[] {
  const template = JSON.parse(readFileSync(join(assembly, `${stack}.template.json`), 'utf8')) as { Resources: Record<string, Resource> };
  const out: BundleSize[] = [];
  for (const r of Object.values(template.Resources)) {
    const asset = r.Metadata?.['aws:asset:path'];
    if (r.Type !== 'AWS::Lambda::Function' || r.Metadata?.['aws:asset:is-bundled'] !== true || typeof asset !== 'string') continue;
    const dir = join(assembly, asset);
    const modules = join(dir, 'node_modules');
    const packages = packagesIn(modules);
    const nativeBytes = packages.length ? bytesOf(modules) : 0;
    const fn = String(r.Metadata['aws:cdk:path']).split('/')[1];
    out.push({ fn, bundleBytes: bytesOf(dir) - nativeBytes, nativeBytes, packages });
  }
  return out.sort((a, b) => a.fn.localeCompare(b.fn));
}

if (process.argv[1]?.endsWith('bundle-sizes.ts')) {
  const assembly = process.argv[2];
  if (!assembly) throw new Error('usage: bundle-sizes.ts <cdk.out folder>');
  const rows = bundleSizes(assembly);
  if (rows.length === 0) throw new Error(`${assembly}: no bundled function (was the assembly synthesized with bundling?)`);
  const mb = (b: number) => (b / 1e6).toFixed(1);
  console.log('| function | bundle MB | native MB | total MB | native modules |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const r of rows) console.log(`| ${r.fn} | ${mb(r.bundleBytes)} | ${mb(r.nativeBytes)} | ${mb(r.bundleBytes + r.nativeBytes)} | ${EXTERNAL_MODULES.filter((m) => r.packages.includes(m)).join(', ') || 'none'} |`);
}
