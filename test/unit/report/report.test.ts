import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { binValues, renderHistogram } from '../../../lambdas/report/histogram.ts';
import { escapeHtml, formatBytes } from '../../../lambdas/report/html.ts';
import { inlineImage } from '../../../lambdas/report/images.ts';
import { aurocScale, logScale, renderRatePanel } from '../../../lambdas/report/rate-plot.ts';
import { renderReport, writeReport } from '../../../lambdas/report/render-report.ts';
import { barFrame, discMask, SYNTHETIC_SCORES, SYNTHETIC_SERIES, syntheticReport } from './synthetic-report.ts';

function count(text: string, pattern: RegExp): number {
  return (text.match(pattern) ?? []).length;
}

describe('html helpers', () => {
  it('escapes markup and quotes', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('prints bytes in decimal units', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(124_000), '124 KB');
    assert.equal(formatBytes(2_720_000), '2.72 MB');
    assert.equal(formatBytes(12_345_678), '12.3 MB');
  });
});

describe('scales', () => {
  it('log scale is increasing and ticks lie inside its range', () => {
    const s = logScale([124_000, 2_700_000], 0, 100);
    assert.ok(s.toPx(124_000) < s.toPx(370_000) && s.toPx(370_000) < s.toPx(2_700_000));
    assert.ok(s.toPx(124_000) > 0 && s.toPx(2_700_000) < 100);
    assert.ok(s.ticks.length >= 3);
    for (const t of s.ticks) assert.ok(t >= s.lo && t <= s.hi);
  });
  it('AUROC scale stays within [0, 1] and covers the values', () => {
    const s = aurocScale([0.62, 0.999], 300, 0);
    assert.ok(s.lo >= 0 && s.hi <= 1 && s.lo <= 0.62 && s.hi >= 0.999);
    assert.ok(s.toPx(0.62) > s.toPx(0.999), 'higher AUROC is drawn higher (smaller y)');
  });
});

describe('rate plot', () => {
  it('draws one circle per point and series, with the measured values as data', () => {
    const plot = syntheticReport().plot!;
    for (const metric of ['image', 'pixel'] as const) {
      const svg = renderRatePanel(plot, metric);
      assert.equal(count(svg, /<circle class="point"/g), 5);
      assert.equal(count(svg, /data-series="align-mask"/g), 3 + 1, 'three points and the line');
      const key = metric === 'image' ? 'image' : 'pixel';
      for (const p of SYNTHETIC_SERIES.alignMask) {
        assert.match(svg, new RegExp(`data-bytes="${p.bytes}" data-value="${p[key]}"`));
      }
      assert.equal(count(svg, /class="baseline"/g), 1);
      assert.equal(count(svg, /class="highlight"/g), 1);
    }
    assert.equal(count(renderRatePanel(plot, 'image'), /class="spread"/g), 2, 'the image ranges of video-only');
    assert.equal(count(renderRatePanel(plot, 'pixel'), /class="spread"/g), 0);
  });
});

describe('histogram', () => {
  it('counts every finite value once, the maximum in the last bin', () => {
    const bins = binValues([0.5, 0.6, 0.7, 1, Number.NaN], 5);
    assert.equal(bins.counts.reduce((a, b) => a + b, 0), 4);
    assert.equal(bins.counts.at(-1), 1);
    const svg = renderHistogram(SYNTHETIC_SCORES, { label: 'score' });
    assert.match(svg, new RegExp(`data-total="${SYNTHETIC_SCORES.length}"`));
    assert.equal(count(svg, /<rect class="bar"/g), 20);
  });
});

describe('inline images', () => {
  it('downscales frames to JPEG and masks to PNG data URIs', async () => {
    const photo = await inlineImage({ image: barFrame(300, 0.3) }, 100);
    assert.match(photo.uri, /^data:image\/jpeg;base64,/);
    assert.deepEqual([photo.width, photo.height], [100, 100]);
    const mask = await inlineImage({ mask: discMask(64, 20) }, 100);
    assert.match(mask.uri, /^data:image\/png;base64,/);
    assert.deepEqual([mask.width, mask.height], [64, 64], 'never enlarged');
    const meta = await sharp(Buffer.from(mask.uri.split(',')[1], 'base64')).metadata();
    assert.equal(meta.width, 64);
  });
});

describe('renderReport', () => {
  it('is one self-contained page: every section, escaped text, no external resource', async () => {
    const html = await renderReport(syntheticReport());
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:/);
    assert.match(html, /Synthetic report &amp; &quot;escapes&quot;/);
    assert.match(html, /video only &lt;CRF 28&gt;/);
    assert.equal(count(html, /<svg class="rate-plot"/g), 2);
    assert.equal(count(html, /<svg class="histogram"/g), 1);
    assert.equal(count(html, /class="aligned-frame"/g), 6);
    assert.equal(count(html, /class="worst-frame"/g), 2);
    assert.match(html, /union mask \(48\.0% of the frame\)/);
    const sources = [...html.matchAll(/\ssrc="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(sources.length, 1 + 1 + 6 + 2);
    for (const src of sources) assert.match(src, /^data:image\/(png|jpeg);base64,/);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<script/i);
  });

  it('leaves out the sections it has no data for', async () => {
    const { plot: _p, alignment: _a, ...rest } = syntheticReport();
    const html = await renderReport(rest);
    assert.doesNotMatch(html, /rate-plot|histogram|aligned-frame/);
    assert.match(html, /id="table1"/);
  });

  it('writes the file atomically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adreel-report-'));
    try {
      const file = join(dir, 'nested', 'report.html');
      await writeReport(file, syntheticReport());
      assert.match(await readFile(file, 'utf8'), /<\/html>\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
