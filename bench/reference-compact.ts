// Test-time alignment with the compact reference an output keeps (lambdas/core/compact-reference.ts) against the full
// original reference image: the same test images aligned to both, with the output's reference mask and segmenter.
// Reports score, silhouette IoU and NCC (mean, min) per reference and how far apart the two transforms put the
// object (RMS distance of the reference mask's box corners, in pixels), plus the bytes of each reference file.
//
//   node --import tsx bench/reference-compact.ts <outDir> [--data DIR] [--test-limit N]
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateAlignment, prepareReference } from '../lambdas/core/align/index.ts';
import { rmsDistance } from '../lambdas/core/align/affine.ts';
import { loadManifest, loadReference, loadReferenceMask } from '../lambdas/core/artifacts.ts';
import { openSegmenter } from '../lambdas/core/compress/segmenter.ts';
import { decodeImage, encodePng } from '../lambdas/core/image-io.ts';
import { maskBoundingBox } from '../lambdas/core/union-mask.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { screwDir } from './lib/shared-data.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { data: { type: 'string' }, 'test-limit': { type: 'string', default: '12' } } });
const outDir = resolve(positionals[0] ?? '');
const dataDir = resolve(values.data ?? screwDir());
const store = new LocalStorage(outDir);
const m = await loadManifest(store);
if (!m.reference.layout) throw new Error(`${outDir} keeps a full reference already`);
const refMask = await loadReferenceMask(store, m);
const compact = await loadReference(store, m);
const full = (await decodeImage(await readFile(join(dataDir, 'train', 'good', m.reference.name)), m.reference.name, { mode: m.frame.mode })).image;
const models = { full: await prepareReference(full, refMask), compact: await prepareReference(compact, refMask) };
const segmenter = await openSegmenter(m.alignment.segmenter!);

const types = (await readdir(join(dataDir, 'test'))).sort();
const lists = await Promise.all(types.map(async (t) => (await readdir(join(dataDir, 'test', t))).sort().map((n) => join(dataDir, 'test', t, n))));
const limit = Number(values['test-limit']);
const files: string[] = [];
for (let i = 0; files.length < limit && lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length && files.length < limit) files.push(l[i]);

const box = maskBoundingBox(refMask, 1)!;
const corners = [
  { x: box.x, y: box.y },
  { x: box.x + box.width, y: box.y },
  { x: box.x, y: box.y + box.height },
  { x: box.x + box.width, y: box.y + box.height },
];
const stats = { full: [] as { score: number; iou: number; ncc: number }[], compact: [] as { score: number; iou: number; ncc: number }[] };
const distances: number[] = [];
for (const file of files) {
  const image = (await decodeImage(await readFile(file), file, { mode: m.frame.mode })).image;
  const mask = await segmenter.segment(image, file);
  const a = await estimateAlignment(models.full, image, mask, { name: file });
  const b = await estimateAlignment(models.compact, image, mask, { name: file });
  stats.full.push({ score: a.score, iou: a.silhouetteIou, ncc: a.ncc });
  stats.compact.push({ score: b.score, iou: b.silhouetteIou, ncc: b.ncc });
  // both matrices map the test image into the reference frame; compare where they send the test image's points
  // that land on the reference box corners under the full-reference transform
  const inv = invert(a.matrix);
  distances.push(rmsDistance(a.matrix, b.matrix, corners.map((c) => apply(inv, c)).map((p): [number, number] => [p.x, p.y])));
  process.stderr.write(`${file.split('/').slice(-2).join('/')}: full ${a.score.toFixed(3)} compact ${b.score.toFixed(3)} distance ${distances[distances.length - 1].toFixed(2)} px\n`);
}
const agg = (xs: number[]) => ({ mean: xs.reduce((s, x) => s + x, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) });
const refFile = (await store.list('')).find((o) => o.key === m.reference.file)!;
const fullPng = await encodePng(full);
const result = {
  outDir,
  images: files.length,
  bytes: { fullPng: fullPng.length, sourceFile: (await readFile(join(dataDir, 'train', 'good', m.reference.name))).length, compact: refFile.bytes },
  full: { score: agg(stats.full.map((s) => s.score)), iou: agg(stats.full.map((s) => s.iou)), ncc: agg(stats.full.map((s) => s.ncc)) },
  compact: { score: agg(stats.compact.map((s) => s.score)), iou: agg(stats.compact.map((s) => s.iou)), ncc: agg(stats.compact.map((s) => s.ncc)) },
  transformDistancePx: agg(distances),
};
console.log(JSON.stringify(result, null, 2));
await segmenter.dispose?.();

function invert(mx: number[]): [number, number, number, number, number, number] {
  const [a, b, tx, c, d, ty] = mx;
  const det = a * d - b * c;
  return [d / det, -b / det, (b * ty - d * tx) / det, -c / det, a / det, (c * tx - a * ty) / det];
}
function apply(mx: number[], p: { x: number; y: number }): { x: number; y: number } {
  return { x: mx[0] * p.x + mx[1] * p.y + mx[2], y: mx[3] * p.x + mx[4] * p.y + mx[5] };
}
