// How an image is judged misaligned: by comparison with the rest of its own dataset, not with a constant. The figure
// is each frame's silhouette IoU with the reference (NCC with the reference when there are no masks); a frame is an
// outlier when it falls below median - max(3.5 robust sigma, 0.02) of all frames' figures. Outliers are kept,
// aligned as well as possible and flagged (the default policy), or fail the run (--on-align-failure fail).
import type { Decisions, Outlier } from './schema.ts';
import { lowOutlierGate, type LowOutlierGate } from './robust-stats.ts';

/** Differences of figures in 0..1 smaller than this are within what one segmentation differs from the next. */
export const MIN_OUTLIER_DEVIATION = 0.02;

export type MisalignmentMetric = Decisions['misalignment']['metric'];

export function misalignmentRule(metric: MisalignmentMetric): Decisions['misalignment'] {
  if (metric === 'none') return { metric, rule: 'not judged: no object, nothing to align' };
  const figure = metric === 'silhouetteIou' ? 'silhouette IoU with the reference' : 'NCC with the reference';
  return {
    metric,
    rule: `an image is an outlier when its ${figure} is below the dataset's median - max(3.5 x 1.4826 MAD, ${MIN_OUTLIER_DEVIATION})`,
  };
}

export interface FrameFigure {
  name: string;
  value: number;
}

/** The gate over every frame's figure (the reference excluded by the caller) and the frames below it. */
export function judgeMisalignment(figures: FrameFigure[]): { gate: LowOutlierGate | null; outliers: Outlier[] } {
  if (figures.length < 3) return { gate: null, outliers: [] };
  const gate = lowOutlierGate(figures.map((f) => f.value), MIN_OUTLIER_DEVIATION);
  const outliers = figures.filter((f) => f.value < gate.threshold).map((f) => ({ name: f.name, value: f.value, margin: f.value - gate.threshold }));
  return { gate, outliers };
}
