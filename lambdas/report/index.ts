export { renderReport, writeReport } from './render-report.ts';
export { renderRatePlot, renderRatePanel, logScale, aurocScale } from './rate-plot.ts';
export { renderHistogram, binValues } from './histogram.ts';
export { inlineImage } from './images.ts';
export { escapeHtml, formatBytes } from './html.ts';
export type * from './types.ts';
