// Rank-based AUROC (Mann-Whitney U / (nPos * nNeg)): the probability that a positive outscores a negative,
// ties counting half, which equals the trapezoidal ROC area with average ranks. Sorting the two groups
// separately and merging keeps it O(n log n) on millions of pixels without an index sort.
import { EvalDataError } from './errors.ts';

function sortedCopy(values: ArrayLike<number>, group: string): Float64Array {
  const copy = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < copy.length; i++) {
    if (Number.isNaN(copy[i])) throw new EvalDataError(`AUROC: ${group} score ${i} is NaN`);
  }
  return copy.sort();
}

/** AUROC of positives (anomalous) against negatives (normal); throws when either group is empty. */
export function aurocFromGroups(negatives: ArrayLike<number>, positives: ArrayLike<number>): number {
  if (negatives.length === 0 || positives.length === 0) {
    throw new EvalDataError(
      `AUROC needs both classes: ${negatives.length} negative and ${positives.length} positive scores`,
    );
  }
  const negative = sortedCopy(negatives, 'negative');
  const positive = sortedCopy(positives, 'positive');
  let below = 0; // negatives strictly below the current positive
  let atOrBelow = 0; // negatives below or equal
  let wins = 0;
  for (let i = 0; i < positive.length; i++) {
    const score = positive[i];
    while (below < negative.length && negative[below] < score) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < negative.length && negative[atOrBelow] <= score) atOrBelow++;
    wins += below + 0.5 * (atOrBelow - below);
  }
  return wins / (negative.length * positive.length);
}

/** AUROC of scores with binary labels (truthy = positive). */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  if (scores.length !== labels.length) {
    throw new EvalDataError(`AUROC: ${scores.length} scores but ${labels.length} labels`);
  }
  const negatives: number[] = [];
  const positives: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] ? positives : negatives).push(scores[i]);
  return aurocFromGroups(negatives, positives);
}
