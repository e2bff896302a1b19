// What a `_READY` marker may hold: nothing, or compress options (the model path excluded: the stack provides the
// model). Read by the start handler, written by `adreel upload`.
import { z } from 'zod';
import { CompressOptionsSchema } from './options.ts';

export const MarkerContent = z.object({ options: CompressOptionsSchema.omit({ modelPath: true }).partial().strict().optional() }).strict();
export type MarkerContent = z.infer<typeof MarkerContent>;
