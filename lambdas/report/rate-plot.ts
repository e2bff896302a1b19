// The rate-accuracy plot as inline SVG: one panel per metric (image AUROC, pixel AUROC) against training-set bytes
// on a log axis. Every point is a <circle class="point"> carrying its series, bytes and value as data attributes,
// so a test (or a reader's devtools) can check exactly what was drawn.
import { attributes, coord, escapeHtml, formatBytes } from './html.ts';
import type { RatePlot, RatePoint } from './types.ts';

export type Metric = 'image' | 'pixel';

const WIDTH = 560;
const HEIGHT = 380;
const MARGIN = { left: 58, right: 16, top: 28, bottom: 46 };

export interface Scale {
  toPx(value: number): number;
  ticks: number[];
  lo: number;
  hi: number;
}

/** Log scale over [lo, hi] bytes with ticks at 1, 2 and 5 times powers of ten. */
export function logScale(values: number[], pxFrom: number, pxTo: number): Scale {
  const positive = values.filter((v) => v > 0);
  let lo = positive.length ? Math.min(...positive) : 1;
  let hi = positive.length ? Math.max(...positive) : 10;
  if (hi / lo < 2) {
    lo /= 1.5;
    hi *= 1.5;
  }
  lo /= 1.25;
  hi *= 1.25;
  const [a, b] = [Math.log10(lo), Math.log10(hi)];
  const ticks: number[] = [];
  for (let k = Math.floor(a); k <= Math.ceil(b); k++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** k;
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return { lo, hi, ticks, toPx: (v) => pxFrom + ((Math.log10(v) - a) / (b - a)) * (pxTo - pxFrom) };
}

/** Linear scale for AUROC values, padded, within [0, 1], with round ticks. */
export function aurocScale(values: number[], pxFrom: number, pxTo: number): Scale {
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0.5;
  let hi = finite.length ? Math.max(...finite) : 1;
  const span = Math.max(hi - lo, 0.02);
  lo = Math.max(0, lo - span * 0.08);
  hi = Math.min(1, hi + span * 0.08);
  const step = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2].find((s) => (hi - lo) / s <= 8) ?? 0.25;
  lo = Math.floor(lo / step) * step;
  hi = Math.min(1, Math.ceil(hi / step) * step);
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 1000; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return { lo, hi, ticks, toPx: (v) => pxFrom + ((v - lo) / (hi - lo)) * (pxTo - pxFrom) };
}

function valueOf(point: RatePoint, metric: Metric): number {
  return metric === 'image' ? point.imageAuroc : point.pixelAuroc;
}

function rangeOf(point: RatePoint, metric: Metric): [number, number] | undefined {
  return metric === 'image' ? point.imageRange : point.pixelRange;
}

function tickLabel(value: number): string {
  return value.toFixed(value * 100 === Math.round(value * 100) ? 2 : 3);
}

/** One panel (one metric) as an <svg> element. */
export function renderRatePanel(plot: RatePlot, metric: Metric): string {
  const allPoints = plot.series.flatMap((s) => s.points);
  const yValues = allPoints.flatMap((p) => [valueOf(p, metric), ...(rangeOf(p, metric) ?? [])]);
  if (plot.baseline) yValues.push(metric === 'image' ? plot.baseline.imageAuroc : plot.baseline.pixelAuroc);
  const x = logScale(allPoints.map((p) => p.bytes), MARGIN.left, WIDTH - MARGIN.right);
  const y = aurocScale(yValues, HEIGHT - MARGIN.bottom, MARGIN.top);
  const title = metric === 'image' ? 'Image AUROC' : 'Pixel AUROC';
  const parts: string[] = [];
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH - MARGIN.left - MARGIN.right}" height="${HEIGHT - MARGIN.top - MARGIN.bottom}" class="frame"/>`);
  for (const t of x.ticks) {
    const px = coord(x.toPx(t));
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}"/>`);
    parts.push(`<text class="tick" x="${px}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escapeHtml(formatBytes(t))}</text>`);
  }
  for (const t of y.ticks) {
    const py = coord(y.toPx(t));
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py}" y2="${py}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${tickLabel(t)}</text>`);
  }
  parts.push(`<text class="axis" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">training-set bytes (log scale)</text>`);
  parts.push(`<text class="axis" transform="translate(14 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${title}</text>`);
  parts.push(`<text class="panel-title" x="${MARGIN.left}" y="${MARGIN.top - 10}">${title} vs size</text>`);
  if (plot.baseline) {
    const v = metric === 'image' ? plot.baseline.imageAuroc : plot.baseline.pixelAuroc;
    const py = coord(y.toPx(v));
    parts.push(
      `<line class="baseline" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py}" y2="${py}"><title>${escapeHtml(`${plot.baseline.label}: ${v.toFixed(4)}`)}</title></line>`,
    );
    parts.push(`<text class="baseline-label" x="${WIDTH - MARGIN.right - 4}" y="${py}" dy="-0.4em" text-anchor="end">${escapeHtml(plot.baseline.label)}</text>`);
  }
  for (const series of plot.series) {
    const sorted = [...series.points].sort((a, b) => a.bytes - b.bytes);
    if (series.line && sorted.length > 1) {
      const d = sorted.map((p, i) => `${i ? 'L' : 'M'}${coord(x.toPx(p.bytes))} ${coord(y.toPx(valueOf(p, metric)))}`).join(' ');
      parts.push(`<path class="series-line"${attributes({ 'data-series': series.id, d, stroke: series.colour })}/>`);
    }
    for (const p of sorted) {
      const cx = coord(x.toPx(p.bytes));
      const range = rangeOf(p, metric);
      if (range) {
        parts.push(`<line class="spread"${attributes({ x1: cx, x2: cx, y1: coord(y.toPx(range[0])), y2: coord(y.toPx(range[1])), stroke: series.colour })}/>`);
      }
      const value = valueOf(p, metric);
      const tip = `${series.name} ${p.label}: ${formatBytes(p.bytes)}, ${title} ${value.toFixed(4)}${range ? ` (${range[0].toFixed(4)}..${range[1].toFixed(4)})` : ''}`;
      parts.push(
        `<circle class="point"${attributes({ 'data-series': series.id, 'data-metric': metric, 'data-bytes': p.bytes, 'data-value': value, 'data-label': p.label, cx, cy: coord(y.toPx(value)), r: 4, fill: series.colour })}><title>${escapeHtml(tip)}</title></circle>`,
      );
      // Scattered points (no line to follow) are named on the plot itself.
      if (!series.line) parts.push(`<text class="point-label" x="${cx}" y="${coord(y.toPx(value))}" dx="6" dy="-5">${escapeHtml(p.label)}</text>`);
    }
  }
  for (const h of plot.highlights ?? []) {
    const value = metric === 'image' ? h.imageAuroc : h.pixelAuroc;
    const cx = coord(x.toPx(h.bytes));
    const cy = coord(y.toPx(value));
    parts.push(`<circle class="highlight"${attributes({ 'data-label': h.label, cx, cy, r: 9 })}><title>${escapeHtml(`${h.label}: ${formatBytes(h.bytes)}, ${value.toFixed(4)}`)}</title></circle>`);
    parts.push(`<text class="highlight-label" x="${cx}" y="${cy}" dx="11" dy="-8">${escapeHtml(h.label)}</text>`);
  }
  return `<svg class="rate-plot" data-metric="${metric}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${title} against training-set bytes">${parts.join('')}</svg>`;
}

/** Both panels and a legend. */
export function renderRatePlot(plot: RatePlot): string {
  const legend = plot.series
    .map((s) => `<li><span class="swatch" style="background:${escapeHtml(s.colour)}"></span>${escapeHtml(s.name)} <span class="muted">(${s.points.length})</span></li>`)
    .join('');
  const baseline = plot.baseline ? `<li><span class="swatch dashed"></span>${escapeHtml(plot.baseline.label)}</li>` : '';
  return `<div class="plots">${renderRatePanel(plot, 'image')}${renderRatePanel(plot, 'pixel')}</div><ul class="legend">${legend}${baseline}</ul>`;
}
