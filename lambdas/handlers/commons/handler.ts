// The frame every function shares: validate the event with zod, log start and end with the duration, publish
// metrics, and give errors the names Step Functions' Retry/Catch match on.
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { classifyError, InvalidEventError } from './errors.ts';
import { logger, metrics, MetricUnit } from './powertools.ts';
import { withTempScratch } from '../../core/scratch.ts';

export type Handler<R> = (event: unknown, context?: Context) => Promise<R>;

export function defineHandler<S extends z.ZodType, R>(
  name: string,
  schema: S,
  fn: (event: z.output<S>, context?: Context) => Promise<R>,
): Handler<R> {
  return async (raw, context) => {
    if (context) logger.addContext(context);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const err = new InvalidEventError(`${name}: invalid event: ${z.prettifyError(parsed.error)}`);
      logger.error('invalid event', { error: err.message });
      throw err;
    }
    // every log line of this invocation names the dataset and run (removed again in finally: warm containers)
    const keys = runKeysOf(parsed.data);
    logger.appendKeys(keys);
    const t0 = performance.now();
    logger.info(`${name} start`);
    try {
      // every local temporary file of the invocation lives in one folder under /tmp, removed in finally
      const result = await withTempScratch(name, () => fn(parsed.data, context), (removed) =>
        logger.warn('removed temporary folders left by an earlier invocation that did not finish', { removed }),
      );
      const seconds = (performance.now() - t0) / 1000;
      logger.info(`${name} done`, { seconds });
      metrics.addMetric(`${name}Seconds`, MetricUnit.Seconds, seconds);
      return result;
    } catch (err) {
      const classified = classifyError(err) as Error;
      logger.error(`${name} failed`, { error: classified.name, reason: classified.message });
      metrics.addMetric(`${name}Errors`, MetricUnit.Count, 1);
      throw classified;
    } finally {
      logger.removeKeys(Object.keys(keys));
      metrics.publishStoredMetrics();
    }
  };
}

/** `dataset` and `runId` of an event (a Map batch carries them in BatchInput). */
function runKeysOf(event: unknown): { dataset?: string; runId?: string } {
  const e = (event ?? {}) as { dataset?: unknown; runId?: unknown; BatchInput?: { dataset?: unknown; runId?: unknown } };
  const src = e.BatchInput ?? e;
  const keys: { dataset?: string; runId?: string } = {};
  if (typeof src.dataset === 'string') keys.dataset = src.dataset;
  if (typeof src.runId === 'string') keys.runId = src.runId;
  return keys;
}
