// Turns Table 1 and sweep results into the report's plain data (lambdas/report draws it): the tables formatted
// here, the rate-accuracy series, and the alignment pictures of an align+mask output read from the cache.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Manifest } from '../../../lambdas/core/manifest.ts';
import { hasManifest, loadManifest } from '../../../lambdas/core/artifacts.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { decodeMask, encodeMaskPng } from '../../../lambdas/core/image-io.ts';
import { formatBytes } from '../../../lambdas/report/html.ts';
import type { AlignmentSection, RatePlot, RateSeries, ReportInput, ReportTable } from '../../../lambdas/report/types.ts';
import type { PointSummary, RunInfo } from './results.ts';
import { formatStats } from './stats.ts';
import { PAPER_TABLE1 } from './variants.ts';

export interface Table1Row extends PointSummary {
  row: number;
  percentOfRow1: number | null;
}

export interface Table1Results extends RunInfo {
  kind: 'table1';
  rows: Table1Row[];
}

export type SweepSeries = 'align-mask' | 'align-mask-25fps' | 'video-only' | 'align-mask-tuned' | 'avif' | 'webp' | 'jxl';

export interface SweepPoint extends PointSummary {
  series: SweepSeries | string;
}

export interface OperatingPoint {
  name: string;
  rule: string;
  point?: SweepPoint;
  /** the same settings confirmed with seeds 0-2 */
  confirmed?: SweepPoint;
  met: boolean | null;
  note: string;
}

export interface SweepResults extends RunInfo {
  kind: 'sweep';
  raw?: SweepPoint;
  lossless?: SweepPoint;
  points: SweepPoint[];
  operatingPoints: OperatingPoint[];
}

const SERIES_STYLE: Record<string, { name: string; colour: string }> = {
  'align-mask': { name: 'adreel align + mask (HEVC)', colour: '#1f6fb4' },
  'align-mask-25fps': { name: 'adreel align + mask, x265 fps=25', colour: '#17becf' },
  'align-mask-tuned': { name: 'adreel align + mask, tuned x265', colour: '#bcbd22' },
  'video-only': { name: 'video only (HEVC, --no-align --no-mask)', colour: '#ff7f0e' },
  avif: { name: 'per-image AVIF (libaom)', colour: '#2ca02c' },
  webp: { name: 'per-image WebP', colour: '#9467bd' },
  jxl: { name: 'per-image JPEG XL', colour: '#8c564b' },
  table1: { name: 'Table 1 rows (seed mean, range)', colour: '#d62728' },
};

function percent(v: number | null): string {
  return v === null ? '' : `${v.toFixed(1)}%`;
}

export function table1Table(t: Table1Results): ReportTable {
  return {
    id: 'table1',
    caption: `Table 1 on MVTec screw (${t.inputs.trainCount} training / ${t.inputs.testCount} test images), PaDiM ResNet-18, seeds ${t.seeds.join(', ')}: mean (min..max)`,
    headers: ['#', 'processing', 'reel bytes', '% of #1', 'image AUROC', 'pixel AUROC', 'output bytes', 'paper % of #1', 'paper image / pixel'],
    numericColumns: [0, 2, 3, 4, 5, 6, 7, 8],
    rows: t.rows.map((r) => {
      const paper = PAPER_TABLE1[r.row];
      return [
        String(r.row),
        r.label,
        r.row === 0 ? `${formatBytes(r.bytes)} (PNG)` : `${r.bytes.toLocaleString('en-US')} B`,
        percent(r.percentOfRow1),
        formatStats(r.image),
        formatStats(r.pixel),
        r.build.outputBytes ? formatBytes(r.build.outputBytes) : '',
        paper ? `${paper.percent.toFixed(1)}%` : '',
        paper ? `${paper.image.toFixed(3)} / ${paper.pixel.toFixed(3)}` : '',
      ];
    }),
    rowNotes: t.rows.map((r) => `${r.settings}${r.build.unionFraction ? `; union ${(100 * r.build.unionFraction).toFixed(1)}%` : ''}${r.build.crop ? `; encoded ${r.build.crop.width}x${r.build.crop.height}` : ''}`),
  };
}

export function sweepTables(s: SweepResults): ReportTable[] {
  const ops: ReportTable = {
    id: 'operating-points',
    caption: 'Operating points (each confirmed with seeds 0, 1, 2)',
    headers: ['point', 'rule', 'settings', 'bytes', 'image AUROC', 'pixel AUROC', 'met', 'note'],
    numericColumns: [3, 4, 5],
    rows: s.operatingPoints.map((o) => {
      const p = o.confirmed ?? o.point;
      return [o.name, o.rule, p?.settings ?? '-', p ? `${p.bytes.toLocaleString('en-US')} B` : '-', p ? formatStats(p.image) : '-', p ? formatStats(p.pixel) : '-', o.met === null ? '?' : o.met ? 'yes' : 'no', o.note];
    }),
  };
  const points: ReportTable = {
    id: 'sweep-points',
    caption: 'Every measured point of the rate-accuracy sweep',
    headers: ['series', 'settings', 'bytes', 'image AUROC', 'pixel AUROC', 'seeds'],
    numericColumns: [2, 3, 4, 5],
    rows: [...s.points]
      .sort((a, b) => (a.series === b.series ? a.bytes - b.bytes : a.series < b.series ? -1 : 1))
      .map((p) => [SERIES_STYLE[p.series]?.name ?? p.series, p.settings, `${p.bytes.toLocaleString('en-US')} B`, formatStats(p.image), formatStats(p.pixel), p.image.perSeed.map((x) => x.seed).join(',')]),
  };
  return [ops, points];
}

export function ratePlot(table1?: Table1Results, sweep?: SweepResults): RatePlot | undefined {
  const series: RateSeries[] = [];
  if (sweep) {
    const ids = [...new Set(sweep.points.map((p) => p.series))];
    for (const id of ids) {
      const style = SERIES_STYLE[id] ?? { name: id, colour: '#555' };
      // One seed per point on the curves; points measured with several seeds show their range.
      series.push({
        id,
        name: style.name,
        colour: style.colour,
        line: true,
        points: sweep.points
          .filter((p) => p.series === id)
          .map((p) => ({
            bytes: p.bytes,
            imageAuroc: p.image.mean,
            pixelAuroc: p.pixel.mean,
            imageRange: p.image.n > 1 ? [p.image.min, p.image.max] : undefined,
            pixelRange: p.pixel.n > 1 ? [p.pixel.min, p.pixel.max] : undefined,
            label: p.settings,
          })),
      });
    }
  }
  if (table1) {
    series.push({
      id: 'table1',
      ...SERIES_STYLE.table1,
      line: false,
      points: table1.rows
        .filter((r) => r.row > 0)
        .map((r) => ({
          bytes: r.bytes,
          imageAuroc: r.image.mean,
          pixelAuroc: r.pixel.mean,
          imageRange: r.image.n > 1 ? [r.image.min, r.image.max] : undefined,
          pixelRange: r.pixel.n > 1 ? [r.pixel.min, r.pixel.max] : undefined,
          label: `row ${r.row}`,
        })),
    });
  }
  if (!series.some((s) => s.points.length)) return undefined;
  const raw = table1?.rows.find((r) => r.row === 0) ?? sweep?.raw;
  const highlights = (sweep?.operatingPoints ?? [])
    .map((o) => ({ o, p: o.confirmed ?? o.point }))
    .filter((x): x is { o: OperatingPoint; p: SweepPoint } => Boolean(x.p))
    .map(({ o, p }) => ({ label: o.name, bytes: p.bytes, imageAuroc: p.image.mean, pixelAuroc: p.pixel.mean }));
  return {
    series,
    baseline: raw ? { label: `raw PNG (seeds ${raw.image.perSeed.map((s) => s.seed).join(',')})`, imageAuroc: raw.image.mean, pixelAuroc: raw.pixel.mean } : undefined,
    highlights,
  };
}

async function cropPng(file: string, crop: Manifest['frame']['crop']): Promise<Uint8Array> {
  const img = sharp(await readFile(file));
  return crop ? img.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height }).png().toBuffer() : img.png().toBuffer();
}

/** The reference, union mask, a grid of restored aligned frames, the score histogram and the worst frames. */
export async function alignmentSection(point: PointSummary, source: string, gridSize = 24, worstCount = 8): Promise<AlignmentSection | undefined> {
  if (!point.outDir || !(await hasManifest(new LocalStorage(point.outDir)))) return undefined;
  const m = await loadManifest(new LocalStorage(point.outDir));
  if (!m.alignment.enabled) return undefined;
  const crop = m.frame.crop;
  const frameFile = (i: number) => join(point.trainDir, `${m.frames[i].stem}.png`);
  const step = Math.max(1, Math.floor(m.frames.length / gridSize));
  const gridIdx = Array.from({ length: Math.min(gridSize, m.frames.length) }, (_, k) => k * step);
  const scored = m.frames.map((f, i) => ({ i, score: f.alignment?.score ?? Number.NaN })).filter((x) => Number.isFinite(x.score));
  const worst = [...scored].sort((a, b) => a.score - b.score).slice(0, worstCount);
  return {
    source: `${source} (${point.settings}); frames as restored from the reel, cropped to the encoded region`,
    reference: { bytes: await readFile(join(point.outDir, m.reference.file)) },
    // the union mask is stored packed (mask-pack.ts; older outputs: PNG): decoded, then drawn as a PNG
    unionMask: m.mask ? { bytes: await encodeMaskPng(await decodeMask(await readFile(join(point.outDir, m.mask.file)), m.mask.file)) } : undefined,
    unionFraction: m.mask?.unionFraction,
    frames: await Promise.all(gridIdx.map(async (i) => ({ label: m.frames[i].name, image: { bytes: await cropPng(frameFile(i), crop) } }))),
    scores: scored.map((x) => x.score),
    worst: await Promise.all(worst.map(async ({ i, score }) => ({ label: m.frames[i].name, score, image: { bytes: await cropPng(frameFile(i), crop) } }))),
  };
}

function provenance(run: RunInfo, prefix: string): Record<string, string> {
  return {
    [`${prefix} command`]: run.command,
    [`${prefix} generated`]: run.generatedAt,
    [`${prefix} seeds`]: run.seeds.join(', '),
    [`${prefix} wall time`]:
      `${(run.wallSeconds / 60).toFixed(1)} min with ${run.jobs} worker(s) on ${run.machine.cpus} cores (load ${run.machine.loadAverageAtStart.map((l) => l.toFixed(1)).join('/')} at start)` +
      (run.cpuSeconds ? `; ${(run.cpuSeconds / 60).toFixed(1)} CPU-minutes in workers and their ffmpeg` : ''),
    [`${prefix} data`]: `${run.inputs.dataDir}${run.inputs.subset ? ' (subset)' : ''}: ${run.inputs.trainCount} train, ${run.inputs.testCount} test`,
    [`${prefix} code`]: `adreel ${run.buildFingerprint.tool}, lambdas/core+storage sha256 ${run.buildFingerprint.core.slice(0, 16)} (${run.buildFingerprint.coreFiles} files), lambdas/eval sha256 ${run.evalFingerprint.eval.slice(0, 16)}`,
    [`${prefix} tools`]: `ffmpeg ${run.buildFingerprint.ffmpeg}; ${Object.entries(run.buildFingerprint.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    [`${prefix} backbone`]: `${run.evalFingerprint.backbonePath} sha256 ${run.evalFingerprint.backboneSha256.slice(0, 16)}`,
    ...(run.failures.length ? { [`${prefix} failures`]: run.failures.map((f) => `${f.id}: ${f.error}`).join(' | ') } : {}),
  };
}

export async function benchReport(table1?: Table1Results, sweep?: SweepResults): Promise<ReportInput> {
  const tables: ReportTable[] = [];
  const summary: string[] = [];
  if (table1) {
    tables.push(table1Table(table1));
    const r = (n: number) => table1.rows.find((x) => x.row === n);
    const raw = r(0);
    const row7 = r(7);
    if (raw && row7) {
      summary.push(
        `Row 7 (align + mask, CRF 28): image AUROC ${row7.image.mean.toFixed(3)} vs raw ${raw.image.mean.toFixed(3)}, pixel ${row7.pixel.mean.toFixed(3)} vs raw ${raw.pixel.mean.toFixed(3)} ` +
          `(target: image >= 0.95 and pixel >= raw + 0.015), reel ${formatBytes(row7.bytes)}.`,
      );
    }
    summary.push('Masked variants are scored in their transformed geometry: blanked background adds easy negative pixels, so pixel AUROC of rows 5-8 is not directly comparable to rows 0-4.');
  }
  if (sweep) {
    tables.push(...sweepTables(sweep));
    for (const o of sweep.operatingPoints) {
      const p = o.confirmed ?? o.point;
      summary.push(`Operating point ${o.name}: ${p ? `${p.settings}, ${formatBytes(p.bytes)}, image ${formatStats(p.image, 3)}, pixel ${formatStats(p.pixel, 3)}` : 'not found'}. ${o.note}`);
    }
  }
  const alignSource = table1?.rows.find((x) => x.row === 7);
  const alignment = alignSource
    ? await alignmentSection(alignSource, 'Table 1 row 7')
    : sweep?.lossless
      ? await alignmentSection(sweep.lossless, 'sweep, lossless align + mask')
      : undefined;
  return {
    title: 'adreel on MVTec screw: Table 1 and rate-accuracy',
    generatedAt: new Date().toISOString(),
    summary,
    tables,
    plot: ratePlot(table1, sweep),
    alignment,
    provenance: { ...(table1 ? provenance(table1, 'Table 1') : {}), ...(sweep ? provenance(sweep, 'sweep') : {}) },
  };
}
