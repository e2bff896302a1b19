// The execution input every per-run stage receives (start writes it, discover and prepare-reference read it). Its own
// module so that a handler needing only the schema does not import another handler (and its native modules).
import { MarkerOptionsSchema } from '../../core/compress/options.ts';
import { RunRef } from '../../ground/run-contract.ts';

export const RunEvent = RunRef.extend({ options: MarkerOptionsSchema.prefault({}) });
