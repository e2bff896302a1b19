// One self-contained HTML file: inline CSS and SVG, images as data URIs, no script, no external resource (a
// Content-Security-Policy forbids any), so it opens the same from a laptop, a CI artifact or an e-mail.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderHistogram } from './histogram.ts';
import { attributes, escapeHtml } from './html.ts';
import { inlineImage } from './images.ts';
import { renderRatePlot } from './rate-plot.ts';
import type { AlignmentSection, LabelledImage, ReportInput, ReportTable } from './types.ts';

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#1d232a;background:#fff}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
p{margin:4px 0}.muted{color:#68717c}
table{border-collapse:collapse;margin:8px 0 4px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #d8dde3;padding:4px 8px;vertical-align:top}th{background:#f3f5f7;text-align:left}
td.num{text-align:right;white-space:nowrap}tbody tr:nth-child(even){background:#fafbfc}
.plots{display:flex;flex-wrap:wrap;gap:12px}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .axis{font-size:12px}svg .panel-title{font-size:13px;font-weight:600}
svg .frame{fill:none;stroke:#9aa3ad}svg .grid{stroke:#e7eaee}svg .series-line{fill:none;stroke-width:1.6;opacity:.8}
svg .spread{stroke-width:2;opacity:.55}svg .point{stroke:#fff;stroke-width:1}
svg .baseline{stroke:#c0392b;stroke-dasharray:5 4;stroke-width:1.4}svg .baseline-label{fill:#c0392b}
svg .highlight{fill:none;stroke:#111;stroke-width:1.6}svg .highlight-label{font-weight:600}
svg .bar{fill:#4a78b5}svg .point-label{font-size:10px;fill:#555}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px 18px;margin:6px 0}
.swatch{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:6px;vertical-align:-1px}
.swatch.dashed{border-radius:0;height:0;border-top:2px dashed #c0392b;vertical-align:3px}
.pair{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-size:12px;color:#4d5661}
.grid-frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:6px}
.grid-frames img,.pair img{display:block;max-width:100%;height:auto;background:#000}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:12px}dt{color:#68717c}dd{margin:0;word-break:break-all}
`;

function renderTable(table: ReportTable): string {
  const numeric = new Set(table.numericColumns ?? []);
  const head = table.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = table.rows
    .map((row, r) => {
      const cells = row.map((cell, c) => `<td${numeric.has(c) ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('');
      return `<tr${attributes({ title: table.rowNotes?.[r] })}>${cells}</tr>`;
    })
    .join('');
  return `<table${attributes({ id: table.id })}><caption>${escapeHtml(table.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

async function figure(item: LabelledImage, maxSide: number, className?: string): Promise<string> {
  const img = await inlineImage(item.image, maxSide);
  return `<figure${attributes({ class: className })}><img${attributes({ src: img.uri, width: img.width, height: img.height, alt: item.label })}><figcaption>${escapeHtml(item.label)}</figcaption></figure>`;
}

async function renderAlignment(section: AlignmentSection): Promise<string> {
  const parts: string[] = [`<h2 id="alignment">Alignment</h2><p class="muted">${escapeHtml(`From ${section.source}.`)}</p>`];
  const pair = [await figure({ label: 'reference image', image: section.reference }, 320, 'reference')];
  if (section.unionMask) {
    const fraction = section.unionFraction === undefined ? '' : ` (${(100 * section.unionFraction).toFixed(1)}% of the frame)`;
    pair.push(await figure({ label: `union mask${fraction}`, image: section.unionMask }, 320, 'union-mask'));
  }
  parts.push(`<div class="pair">${pair.join('')}</div>`);
  parts.push(`<h2 id="aligned-frames">Aligned frames (${section.frames.length})</h2>`);
  parts.push(`<div class="grid-frames">${(await Promise.all(section.frames.map((f) => figure(f, 200, 'aligned-frame')))).join('')}</div>`);
  parts.push(`<h2 id="scores">Alignment scores (${section.scores.length} frames)</h2>`);
  parts.push(renderHistogram(section.scores, { label: 'alignment score (per frame)', threshold: section.scoreThreshold }));
  parts.push(`<h2 id="worst">Worst-aligned frames</h2>`);
  const worst = await Promise.all(section.worst.map((w) => figure({ label: `${w.label} (score ${w.score.toFixed(3)})`, image: w.image }, 200, 'worst-frame')));
  parts.push(`<div class="grid-frames">${worst.join('')}</div>`);
  return parts.join('\n');
}

export async function renderReport(input: ReportInput): Promise<string> {
  const sections: string[] = [];
  sections.push(`<h1>${escapeHtml(input.title)}</h1><p class="muted">generated ${escapeHtml(input.generatedAt)}</p>`);
  for (const paragraph of input.summary) sections.push(`<p>${escapeHtml(paragraph)}</p>`);
  for (const table of input.tables) sections.push(renderTable(table));
  if (input.plot) sections.push(`<h2 id="rate-accuracy">Rate-accuracy</h2>${renderRatePlot(input.plot)}`);
  if (input.alignment) sections.push(await renderAlignment(input.alignment));
  const facts = Object.entries(input.provenance)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  sections.push(`<h2 id="provenance">How these figures were made</h2><dl>${facts}</dl>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}

/** Renders and writes the report atomically (a reader never sees half a file). */
export async function writeReport(path: string, input: ReportInput): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial-${process.pid}`;
  await writeFile(partial, await renderReport(input));
  await rename(partial, path);
}
