// Errors specific to the PaDiM evaluator. They extend the project's AdreelError so callers can catch them the same way.
import { AdreelError } from '../ground/errors.ts';

/** The backbone model is missing, unreadable, or does not produce the expected outputs. */
export class BackboneError extends AdreelError {
  constructor(reason: string, file?: string) {
    super(reason, 'EVAL_BACKBONE', file);
  }
}

/** An evaluation dataset folder is missing files, or a score cannot be computed from it. */
export class EvalDataError extends AdreelError {
  constructor(reason: string, file?: string) {
    super(reason, 'EVAL_DATA', file);
  }
}
