// The HTML report in a real browser (Debian Chromium, headless): a small report from synthetic results renders,
// the rate-accuracy plot holds exactly the expected points at sensible places, every inlined image decodes, and
// the page logs no error and requests nothing (it is self-contained).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, openReport } from '../../bench/lib/chromium.ts';
import { writeReport } from '../../lambdas/report/render-report.ts';
import { SYNTHETIC_SCORES, SYNTHETIC_SERIES, syntheticReport } from '../unit/report/synthetic-report.ts';

// Runs inside the page. A string, not a function: tsx's transform would add helpers the page does not have.
const INSPECT_PAGE = `(() => {
  const box = (el) => { const r = el && el.getBoundingClientRect(); return r ? { width: r.width, height: r.height } : null; };
  return {
    title: document.title,
    tableRows: document.querySelectorAll('#table1 tbody tr').length,
    plotBoxes: [...document.querySelectorAll('svg.rate-plot')].map(box),
    histogram: box(document.querySelector('svg.histogram')),
    points: [...document.querySelectorAll('svg.rate-plot circle.point')].map((c) => ({
      series: c.dataset.series, metric: c.dataset.metric, bytes: Number(c.dataset.bytes), value: Number(c.dataset.value),
      cx: c.cx.baseVal.value, cy: c.cy.baseVal.value,
    })),
    images: [...document.images].map((img) => ({ alt: img.alt, ok: img.complete && img.naturalWidth > 0 })),
    bars: [...document.querySelectorAll('svg.histogram rect.bar')].map((r) => Number(r.dataset.count)),
  };
})()`;

interface Box {
  width: number;
  height: number;
}

interface Inspection {
  title: string;
  tableRows: number;
  plotBoxes: (Box | null)[];
  histogram: Box | null;
  points: { series: string; metric: string; bytes: number; value: number; cx: number; cy: number }[];
  images: { alt: string; ok: boolean }[];
  bars: number[];
}

const missing = await chromiumMissing();
if (missing) console.error(`[report-chromium] skipped: ${missing}`);

describe('HTML report in headless Chromium', { skip: missing }, () => {
  let work: string;
  let file: string;
  let browser: Browser;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'adreel-report-chromium-'));
    file = join(work, 'report.html');
    await writeReport(file, syntheticReport());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('renders every section with the expected plot points, images and no console error', async () => {
    const { page, problems } = await openReport(browser, file);
    const seen = (await page.evaluate(INSPECT_PAGE)) as Inspection;
    assert.equal(seen.title, 'Synthetic report & "escapes"');
    assert.equal(seen.tableRows, 2);
    assert.equal(seen.plotBoxes.length, 2);
    for (const b of seen.plotBoxes) assert.ok(b && b.width > 200 && b.height > 150, `plot is laid out: ${JSON.stringify(b)}`);
    assert.ok(seen.histogram && seen.histogram.width > 200);

    for (const metric of ['image', 'pixel'] as const) {
      const drawn = seen.points.filter((p) => p.metric === metric);
      assert.equal(drawn.length, SYNTHETIC_SERIES.alignMask.length + SYNTHETIC_SERIES.videoOnly.length);
      const alignMask = drawn.filter((p) => p.series === 'align-mask').sort((a, b) => a.bytes - b.bytes);
      const expected = [...SYNTHETIC_SERIES.alignMask].sort((a, b) => a.bytes - b.bytes);
      assert.deepEqual(alignMask.map((p) => [p.bytes, p.value]), expected.map((p) => [p.bytes, metric === 'image' ? p.image : p.pixel]));
      // more bytes further right; higher AUROC higher up (smaller y)
      for (let i = 1; i < alignMask.length; i++) assert.ok(alignMask[i].cx > alignMask[i - 1].cx);
      const byValue = [...drawn].sort((a, b) => a.value - b.value);
      for (let i = 1; i < byValue.length; i++) assert.ok(byValue[i].cy <= byValue[i - 1].cy + 1e-6);
    }
    assert.equal(seen.images.length, 10);
    for (const img of seen.images) assert.ok(img.ok, `image did not decode: ${img.alt}`);
    assert.equal(seen.bars.reduce((a, b) => a + b, 0), SYNTHETIC_SCORES.length);

    assert.deepEqual(problems.consoleErrors, []);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.externalRequests, []);
    await page.close();
  });
});
