// The frame every function shares: validate the event with zod, log start and end with the duration, publish
// metrics, and give errors the names Step Functions' Retry/Catch match on.
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { classifyError, InvalidEventError } from './errors.ts';
import { logger, metrics, MetricUnit } from './powertools.ts';

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
    const t0 = performance.now();
    logger.info(`${name} start`);
    try {
      const result = await fn(parsed.data, context);
      const seconds = (performance.now() - t0) / 1000;
      logger.info(`${name} done`, { seconds });
      metrics.addMetric(`${name}Seconds`, MetricUnit.Seconds, seconds);
      return result;
    } catch (err) {
      const classified = classifyError(err) as Error;
      logger.error(`${name} failed`, { error: classified.name, message: classified.message });
      metrics.addMetric(`${name}Errors`, MetricUnit.Count, 1);
      throw classified;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
