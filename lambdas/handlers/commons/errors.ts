// Error names are what Step Functions' Retry and Catch match on (Lambda reports an uncaught error's `name`).
// TransientError: worth retrying (throttling, 5xx, network). Typed core errors (AlignmentError, DatasetError, ...)
// are deterministic: retrying cannot help, so they go straight to the Catch.
import { AdreelError } from '../../ground/errors.ts';

export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The event did not match the function's schema: a wiring bug or a bad manual invocation. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** Wraps SDK/network failures that may succeed on retry in a TransientError; everything else passes unchanged. */
export function classifyError(err: unknown): unknown {
  if (err instanceof AdreelError || err instanceof TransientError || err instanceof InvalidEventError) return err;
  const e = err as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; message?: string };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  const transient =
    Boolean(e?.$retryable) ||
    status >= 500 ||
    status === 429 ||
    /Throttl|SlowDown|RequestTimeout|TimeoutError/i.test(e?.name ?? '') ||
    NETWORK_CODES.has(e?.code ?? '');
  return transient ? new TransientError(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, { cause: err }) : err;
}
