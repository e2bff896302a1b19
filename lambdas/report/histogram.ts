// A histogram as inline SVG (used for the per-frame alignment scores). Bars carry their bin and count as data
// attributes; the counts always add up to the number of finite values given.
import { attributes, coord, escapeHtml } from './html.ts';

const WIDTH = 560;
const HEIGHT = 240;
const MARGIN = { left: 46, right: 14, top: 14, bottom: 40 };

export interface HistogramBins {
  lo: number;
  hi: number;
  counts: number[];
}

/** Equal-width bins over the values' range (rounded out to 0.05), the maximum falling in the last bin. */
export function binValues(values: number[], binCount = 20): HistogramBins {
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.floor(Math.min(...finite) * 20) / 20 : 0;
  let hi = finite.length ? Math.ceil(Math.max(...finite) * 20) / 20 : 1;
  if (hi <= lo) hi = lo + 0.05;
  const counts = new Array<number>(binCount).fill(0);
  for (const v of finite) counts[Math.min(binCount - 1, Math.floor(((v - lo) / (hi - lo)) * binCount))]++;
  return { lo, hi, counts };
}

export function renderHistogram(values: number[], opts: { label: string; threshold?: number; binCount?: number }): string {
  const { lo, hi, counts } = binValues(values, opts.binCount);
  const maxCount = Math.max(1, ...counts);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const toX = (v: number) => MARGIN.left + ((v - lo) / (hi - lo)) * plotW;
  const toY = (c: number) => HEIGHT - MARGIN.bottom - (c / maxCount) * plotH;
  const binWidth = (hi - lo) / counts.length;
  const parts: string[] = [`<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/>`];
  counts.forEach((count, i) => {
    const from = lo + i * binWidth;
    const x0 = toX(from);
    const x1 = toX(from + binWidth);
    parts.push(
      `<rect class="bar"${attributes({ 'data-from': from.toFixed(4), 'data-count': count, x: coord(x0 + 0.5), y: coord(toY(count)), width: coord(Math.max(0, x1 - x0 - 1)), height: coord(toY(0) - toY(count)) })}><title>${from.toFixed(3)}..${(from + binWidth).toFixed(3)}: ${count}</title></rect>`,
    );
  });
  const tickStep = (hi - lo) / 5;
  for (let i = 0; i <= 5; i++) {
    const v = lo + i * tickStep;
    parts.push(`<text class="tick" x="${coord(toX(v))}" y="${HEIGHT - MARGIN.bottom + 15}" text-anchor="middle">${v.toFixed(2)}</text>`);
  }
  for (const c of [0, Math.round(maxCount / 2), maxCount]) {
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${coord(toY(c))}" dy="0.32em" text-anchor="end">${c}</text>`);
  }
  if (opts.threshold !== undefined && opts.threshold >= lo && opts.threshold <= hi) {
    const px = coord(toX(opts.threshold));
    parts.push(`<line class="baseline" x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}"><title>threshold ${opts.threshold}</title></line>`);
  }
  parts.push(`<text class="axis" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 6}" text-anchor="middle">${escapeHtml(opts.label)}</text>`);
  return `<svg class="histogram" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(opts.label)} histogram" data-total="${counts.reduce((a, b) => a + b, 0)}">${parts.join('')}</svg>`;
}
