// Whether the PaDiM backbone can be found; tests that need it pass the sentence to `skip`.
import { resolveBackbonePath } from '../../lambdas/eval/backbone.ts';

export function backboneMissing(): string | undefined {
  try {
    resolveBackbonePath();
    return undefined;
  } catch (error) {
    return `PaDiM backbone not available: ${(error as Error).message}`;
  }
}
