// start: the `<dataset>/_READY` marker was written (EventBridge "Object Created") -> start one execution.
// The execution name is derived from the marker object's identity (bucket, key, version or sequencer), so a
// duplicate delivery of the same event maps to the same name, and Step Functions refuses a second execution with
// ExecutionAlreadyExists, which is success here. Writing the marker again (a new upload) is a new run.
import { createHash } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { MarkerContentSchema, MarkerOptionsSchema, type MarkerOptions } from '../core/compress/options.ts';
import { UsageError } from '../ground/errors.ts';
import { readConfig, s3Client } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, MARKER } from '../ground/run-contract.ts';
import { logger, tracer } from './commons/powertools.ts';
import { S3Storage } from '../storage/s3.ts';

export const ObjectCreatedEvent = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      etag: z.string().optional(),
      sequencer: z.string().optional(),
      'version-id': z.string().optional(),
    }),
  }),
});
export type ObjectCreatedEvent = z.infer<typeof ObjectCreatedEvent>;

/** What a marker may hold: nothing, or compress options (lambdas/core/compress/options.ts owns the schema). */
export const MarkerContent = MarkerContentSchema;

export interface ExecutionInput {
  dataset: string;
  runId: string;
  /** the marker's options, checked and with every default filled in */
  options: MarkerOptions;
}

export interface StartResult {
  executionName: string;
  started: boolean;
  dataset: string;
}

/** Starts an execution; resolves false when one with that name already exists. */
export type StartExecution = (name: string, input: ExecutionInput) => Promise<boolean>;

export function executionName(bucket: string, key: string, identity: string): string {
  const dataset = key.slice(0, -(MARKER.length + 1));
  const slug = dataset.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(`${bucket}\n${key}\n${identity}`).digest('hex').slice(0, 16);
  return `${slug}-${hash}`;
}

export function sfnStarter(client: SFNClient, stateMachineArn: string): StartExecution {
  return async (name, input) => {
    try {
      await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'ExecutionAlreadyExists') return false;
      throw err;
    }
  };
}

export function createStartHandler(start: () => StartExecution) {
  return defineHandler('start', ObjectCreatedEvent, async (event): Promise<StartResult> => {
    const cfg = readConfig();
    const { bucket, object } = event.detail;
    if (bucket.name !== cfg.ingestBucket) throw new UsageError(`event for bucket ${bucket.name}, this stack ingests ${cfg.ingestBucket}`);
    if (!object.key.endsWith(`/${MARKER}`)) throw new UsageError(`${object.key} is not a ${MARKER} marker`);
    const dataset = DatasetName.parse(object.key.slice(0, -(MARKER.length + 1)));
    const markerBytes = await new S3Storage(s3Client(), bucket.name).get(object.key);
    const text = markerBytes.toString('utf8').trim();
    const marker = text ? MarkerContent.parse(JSON.parse(text)) : {};
    const identity = object['version-id'] ?? object.sequencer ?? object.etag ?? '';
    const name = executionName(bucket.name, object.key, identity);
    const started = await start()(name, { dataset, runId: name, options: marker.options ?? MarkerOptionsSchema.parse({}) });
    logger.info(started ? 'execution started' : 'execution already exists: duplicate event ignored', { name, dataset });
    return { executionName: name, started, dataset };
  });
}

let starter: StartExecution | undefined;

export const handler = createStartHandler(() => {
  const arn = process.env.STATE_MACHINE_ARN;
  if (!arn) throw new Error('STATE_MACHINE_ARN must be set');
  starter ??= sfnStarter(tracer.captureAWSv3Client(new SFNClient({})), arn);
  return starter;
});
