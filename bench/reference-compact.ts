// What the stored reference needs to be for test-time alignment: test images aligned to each candidate reference
// against the full original reference image (same reference mask and segmenter as the output's). Per candidate:
// the bytes it costs, how far its transform puts the object from the full reference's (RMS distance of the reference
// mask's box corners, px in the reference frame), the silhouette IoU of the aligned test image with the reference
// mask, and with --truth (generated data) the pose error against the known poses.
// Candidates: "as stored" (the compact reference in the output), "lossless"/"q90"/"q75"/"q50" (the same crop, WebP),
// "half ..." (at half the finest level's scale), "reel" (rebuilt from the reference's own frame in each
// --reel output's reel: 0 bytes; one candidate per --reel directory, e.g. outputs at other CRFs from --reuse-alignment).
//
//   node --import tsx bench/reference-compact.ts <outDir> [--data DIR] [--test-limit N] [--reel DIR]... [--json FILE]
//   node --import tsx bench/reference-compact.ts --generated [--size 256] [--count 24] [--json FILE]
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateAlignment, prepareReference } from '../lambdas/core/align/index.ts';
import { composeAffine, invertAffine, rmsDistance } from '../lambdas/core/align/affine.ts';
import { loadManifest, loadReference, loadReferenceMask, loadUnionMask } from '../lambdas/core/artifacts.ts';
import { encodeCompactReference, expandCompactReference, referenceFromFrame } from '../lambdas/core/compact-reference.ts';
import { compressFolder } from '../lambdas/cli/local-runs.ts';
import { parseCompressOptions } from '../lambdas/core/compress/options.ts';
import { openSegmenter } from '../lambdas/core/compress/segmenter.ts';
import { resizeImage, toReferenceSize } from '../lambdas/core/frame-scale.ts';
import { padImage } from '../lambdas/core/geometry.ts';
import { decodeImage, encodePng } from '../lambdas/core/image-io.ts';
import { decodeCheckedFrames } from '../lambdas/core/restore.ts';
import { placementClass, placementMatrix, type PlacedShot } from '../lambdas/core/synthetic/placements.ts';
import type { Affine, Image, Mask } from '../lambdas/core/types.ts';
import { maskBoundingBox } from '../lambdas/core/union-mask.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';
import { screwDir } from './lib/shared-data.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    'test-limit': { type: 'string', default: '12' },
    reel: { type: 'string', multiple: true, default: [] },
    json: { type: 'string' },
    generated: { type: 'boolean', default: false },
    size: { type: 'string', default: '256' },
    count: { type: 'string', default: '24' },
  },
});

interface TestImage {
  name: string;
  image: Image;
  /** generated data: the true test -> reference transform */
  truth?: Affine;
}

/** The reference as the aligner sees it when the output keeps it rebuilt from its own frame in `dir`'s reel. */
async function referenceFromReel(dir: string, refMask: Mask): Promise<Image> {
  const store = new LocalStorage(dir);
  const m = await loadManifest(store);
  const index = m.frames.findIndex((f) => f.name === m.reference.name);
  let frame: Image | undefined;
  for await (const { decoded } of decodeCheckedFrames(store, m, { first: index, last: index })) frame = decoded;
  const region = m.frame.crop ?? { x: 0, y: 0, width: m.frame.width, height: m.frame.height };
  let full = padImage(frame!, region, m.frame.width, m.frame.height);
  let union = (await loadUnionMask(store, m)) ?? null;
  if (m.frame.scale) {
    full = await toReferenceSize(full, m.frame.scale.referenceWidth, m.frame.scale.referenceHeight);
    if (union) {
      const up = await resizeImage({ width: union.width, height: union.height, channels: 1, data: union.data }, refMask.width, refMask.height, 'nearest');
      union = { width: up.width, height: up.height, data: up.data };
    }
  }
  return referenceFromFrame(full, refMask, union);
}

async function realCase(): Promise<{ full: Image; refMask: Mask; candidates: [string, Image, number][]; tests: TestImage[]; segment: (img: Image, name: string) => Promise<Mask> }> {
  const outDir = resolve(positionals[0] ?? '');
  const dataDir = resolve(values.data ?? screwDir());
  const store = new LocalStorage(outDir);
  const m = await loadManifest(store);
  if (!m.reference.layout) throw new Error(`${outDir} keeps a full reference already`);
  const refMask = await loadReferenceMask(store, m);
  const full = (await decodeImage(await readFile(join(dataDir, 'train', 'good', m.reference.name)), m.reference.name, { mode: m.frame.mode })).image;
  const candidates = await compactCandidates(full, refMask);
  const stored = (await store.list('')).find((o) => o.key === m.reference.file)!;
  candidates.unshift(['as stored', await loadReference(store, m), stored.bytes]);
  for (const dir of values.reel!) candidates.push([`reel ${dir.split('/').filter(Boolean).slice(-2).join('/')}`, await referenceFromReel(resolve(dir), refMask), 0]);
  const segmenter = await openSegmenter(m.alignment.segmenter!);
  const types = (await readdir(join(dataDir, 'test'))).sort();
  const lists = await Promise.all(types.map(async (t) => (await readdir(join(dataDir, 'test', t))).sort().map((n) => join(dataDir, 'test', t, n))));
  const limit = Number(values['test-limit']);
  const files: string[] = [];
  for (let i = 0; files.length < limit && lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length && files.length < limit) files.push(l[i]);
  const tests = await Promise.all(files.map(async (file) => ({ name: file.split('/').slice(-2).join('/'), image: (await decodeImage(await readFile(file), file, { mode: m.frame.mode })).image })));
  return { full, refMask, candidates, tests, segment: (img, name) => segmenter.segment(img, name) };
}

async function compactCandidates(full: Image, refMask: Mask): Promise<[string, Image, number][]> {
  const out: [string, Image, number][] = [];
  const variants: [string, { quality?: number | 'lossless'; factor?: number }][] = [['lossless', { quality: 'lossless' }], ['q90', { quality: 90 }], ['q75', { quality: 75 }], ['q50', { quality: 50 }]];
  const base = await encodeCompactReference(full, refMask);
  variants.push(['half lossless', { quality: 'lossless', factor: base.layout.factor / 2 }], ['half q90', { quality: 90, factor: base.layout.factor / 2 }]);
  for (const [name, opts] of variants) {
    const { file, layout } = await encodeCompactReference(full, refMask, opts);
    out.push([name, await expandCompactReference(file, layout, full.width, full.height, full.channels === 1 ? 'grey' : 'rgb', name), file.length]);
  }
  return out;
}

/** Generated data: a compressed output of a spread class with known poses, its good test shots with their truths. */
async function generatedCase(): Promise<Awaited<ReturnType<typeof realCase>>> {
  const size = Number(values.size);
  const count = Number(values.count);
  const work = await mkdtemp(join(tmpdir(), 'adreel-refcompact-'));
  const shots: PlacedShot[] = [...placementClass({ kind: 'screw', spread: 'spread', size, train: count, good: 12, misplaced: 0, seed: 5 })];
  const train = shots.filter((s) => s.role === 'train');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(work, 'in'), { recursive: true });
  for (const s of train) await writeFile(join(work, 'in', `${s.name}.png`), await encodePng(s.image));
  const outs: Record<number, string> = {};
  for (const crf of [28, 46]) {
    outs[crf] = join(work, `out-crf${crf}`);
    const reuse = crf === 28 ? {} : { reuseAlignment: outs[28] };
    await compressFolder(join(work, 'in'), outs[crf], parseCompressOptions({ crf, threads: 1, preset: 'ultrafast', segmenter: 'threshold', ...reuse }), {});
  }
  const store = new LocalStorage(outs[28]);
  const m = await loadManifest(store);
  const refMask = await loadReferenceMask(store, m);
  const refShot = train.find((s) => `${s.name}.png` === m.reference.name)!;
  const full = refShot.image;
  const candidates = await compactCandidates(full, refMask);
  const stored = (await store.list('')).find((o) => o.key === m.reference.file)!;
  candidates.unshift(['as stored', await loadReference(store, m), stored.bytes]);
  for (const crf of [28, 46]) candidates.push([`reel crf ${crf}`, await referenceFromReel(outs[crf], refMask), 0]);
  const segmenter = await openSegmenter(m.alignment.segmenter!);
  const refPose = placementMatrix(refShot.truth, size);
  const tests = shots
    .filter((s) => s.role === 'good')
    .map((s) => ({ name: s.name, image: s.image, truth: composeAffine(refPose, invertAffine(placementMatrix(s.truth, size))) }));
  return { full, refMask, candidates, tests, segment: (img, name) => segmenter.segment(img, name) };
}

const c = values.generated ? await generatedCase() : await realCase();
const box = maskBoundingBox(c.refMask, 1)!;
const corners = [
  [box.x, box.y],
  [box.x + box.width, box.y],
  [box.x, box.y + box.height],
  [box.x + box.width, box.y + box.height],
] as [number, number][];
const fullModel = await prepareReference(c.full, c.refMask);
const models = await Promise.all(c.candidates.map(async ([name, image, bytes]) => ({ name, bytes, model: await prepareReference(image, c.refMask) })));
const rows = new Map<string, { bytes: number; distance: number[]; iou: number[]; truth: number[] }>();
rows.set('full original', { bytes: (await encodePng(c.full)).length, distance: [], iou: [], truth: [] });
for (const { name, bytes } of models) rows.set(name, { bytes, distance: [], iou: [], truth: [] });
// where a transform puts the reference box corners of the test image (test -> reference maps compared at the
// points of the test image that the full reference's transform sends to those corners)
/** RMS distance (px) between where `other` and `ref` send the test-image points that `ref` maps onto the reference box's corners */
function at(ref: Affine, other: Affine): number {
  const inv = invertAffine(ref);
  return rmsDistance(ref, other, corners.map(([x, y]) => [inv[0] * x + inv[1] * y + inv[2], inv[3] * x + inv[4] * y + inv[5]] as [number, number]));
}
for (const t of c.tests) {
  const mask = await c.segment(t.image, t.name);
  const a = await estimateAlignment(fullModel, t.image, mask, { name: t.name });
  const fullRow = rows.get('full original')!;
  fullRow.distance.push(0);
  fullRow.iou.push(a.silhouetteIou);
  if (t.truth) fullRow.truth.push(at(t.truth, a.matrix as Affine));
  const line = [`${t.name}: full iou ${a.silhouetteIou.toFixed(3)}`];
  for (const { name, model } of models) {
    const b = await estimateAlignment(model, t.image, mask, { name: t.name });
    const row = rows.get(name)!;
    row.distance.push(at(a.matrix as Affine, b.matrix as Affine));
    row.iou.push(b.silhouetteIou);
    if (t.truth) row.truth.push(at(t.truth, b.matrix as Affine));
    line.push(`${name} ${row.distance[row.distance.length - 1].toFixed(2)} px`);
  }
  process.stderr.write(`${line.join('; ')}\n`);
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const result = [...rows].map(([name, r]) => ({
  reference: name,
  bytes: r.bytes,
  distanceToFullPx: { mean: mean(r.distance), max: Math.max(...r.distance) },
  silhouetteIou: { mean: mean(r.iou), min: Math.min(...r.iou) },
  ...(r.truth.length ? { poseErrorPx: { mean: mean(r.truth), max: Math.max(...r.truth) } } : {}),
}));
console.log(`${c.tests.length} test images, box ${box.width}x${box.height} px`);
console.log('| reference | bytes | distance to full-reference pose, mean / max px | silhouette IoU mean / min |' + (values.generated ? ' pose error vs truth, mean / max px |' : ''));
console.log('|---|---|---|---|' + (values.generated ? '---|' : ''));
for (const r of result) {
  console.log(`| ${r.reference} | ${r.bytes} | ${r.distanceToFullPx.mean.toFixed(2)} / ${r.distanceToFullPx.max.toFixed(2)} | ${r.silhouetteIou.mean.toFixed(4)} / ${r.silhouetteIou.min.toFixed(4)} |` + (r.poseErrorPx ? ` ${r.poseErrorPx.mean.toFixed(2)} / ${r.poseErrorPx.max.toFixed(2)} |` : ''));
}
if (values.json) await writeFile(values.json, JSON.stringify(result, null, 1));
