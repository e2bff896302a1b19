// A small report built from synthetic results and drawn images (no real data, no model): fast enough for unit
// tests and the headless-browser test, with known counts to assert on.
import type { Image, Mask } from '../../../lambdas/core/types.ts';
import type { ReportInput } from '../../../lambdas/report/types.ts';

/** A grey frame with a bright bar rotated by `angle` on a dark background. */
export function barFrame(size: number, angle: number): Image {
  const data = new Uint8Array(size * size).fill(20);
  const c = size / 2;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x - c) * cos + (y - c) * sin;
      const v = -(x - c) * sin + (y - c) * cos;
      if (Math.abs(u) < size * 0.35 && Math.abs(v) < size * 0.06) data[y * size + x] = 200;
    }
  }
  return { width: size, height: size, channels: 1, data };
}

export function discMask(size: number, radius: number): Mask {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - size / 2) ** 2 + (y - size / 2) ** 2 <= radius ** 2) data[y * size + x] = 255;
  return { width: size, height: size, data };
}

export const SYNTHETIC_SERIES = {
  alignMask: [
    { crf: 28, bytes: 1_600_000, image: 0.95, pixel: 0.99 },
    { crf: 40, bytes: 370_000, image: 0.94, pixel: 0.988 },
    { crf: 51, bytes: 124_000, image: 0.7, pixel: 0.96 },
  ],
  videoOnly: [
    { crf: 28, bytes: 2_700_000, image: 0.81, pixel: 0.974 },
    { crf: 51, bytes: 202_000, image: 0.716, pixel: 0.942 },
  ],
};

export const SYNTHETIC_SCORES = Array.from({ length: 40 }, (_, i) => 0.6 + (0.4 * ((i * 37) % 40)) / 40);

export function syntheticReport(): ReportInput {
  const frames = Array.from({ length: 6 }, (_, i) => ({ label: `frame ${i} <${i}>`, image: { image: barFrame(96, i * 0.05) } }));
  return {
    title: 'Synthetic report & "escapes"',
    generatedAt: '2025-01-01T00:00:00.000Z',
    summary: ['Synthetic figures for tests; nothing here was measured.'],
    tables: [
      {
        id: 'table1',
        caption: 'Table 1 (synthetic)',
        headers: ['#', 'processing', 'reel bytes', 'image AUROC'],
        rows: [
          ['0', 'none (PNG)', '124 MB', '0.819'],
          ['1', 'video only <CRF 28>', '2.72 MB', '0.816'],
        ],
        numericColumns: [2, 3],
        rowNotes: [undefined, 'crf=28'],
      },
    ],
    plot: {
      series: [
        {
          id: 'align-mask',
          name: 'align + mask (HEVC)',
          colour: '#1f77b4',
          line: true,
          points: SYNTHETIC_SERIES.alignMask.map((p) => ({ bytes: p.bytes, imageAuroc: p.image, pixelAuroc: p.pixel, label: `CRF ${p.crf}` })),
        },
        {
          id: 'video-only',
          name: 'video only (HEVC)',
          colour: '#ff7f0e',
          line: true,
          points: SYNTHETIC_SERIES.videoOnly.map((p) => ({
            bytes: p.bytes,
            imageAuroc: p.image,
            pixelAuroc: p.pixel,
            imageRange: [p.image - 0.01, p.image + 0.01] as [number, number],
            label: `CRF ${p.crf}`,
          })),
        },
      ],
      baseline: { label: 'raw PNG', imageAuroc: 0.819, pixelAuroc: 0.974 },
      highlights: [{ label: '(a)', bytes: 370_000, imageAuroc: 0.94, pixelAuroc: 0.988 }],
    },
    alignment: {
      source: 'synthetic bars',
      reference: { image: barFrame(128, 0) },
      unionMask: { mask: discMask(128, 50) },
      unionFraction: 0.48,
      frames,
      scores: SYNTHETIC_SCORES,
      worst: frames.slice(0, 2).map((f, i) => ({ ...f, score: 0.5 + i * 0.1 })),
    },
    provenance: { seeds: '0', code: 'synthetic' },
  };
}
