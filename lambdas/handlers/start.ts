// start: the `<dataset>/_READY` marker was written (EventBridge "Object Created") -> start one execution.
// The execution name is derived from the marker object's identity (bucket, key, version or sequencer), so a
// duplicate delivery of the same event maps to the same name, and Step Functions refuses a second execution with
// ExecutionAlreadyExists, which is success here. Writing the marker again (a new upload) is a new run.
import { createHash } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { MarkerContentSchema, MarkerOptionsSchema, type MarkerOptions } from '../core/compress/options.ts';
import { UsageError } from '../ground/errors.ts';
import { defaultDeps, type HandlerDeps } from './commons/deps.ts';
import { defineHandler } from './commons/handler.ts';
import { DatasetName, MARKER } from '../ground/run-contract.ts';
import { logger, tracer } from './commons/powertools.ts';

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
  /** why the marker was refused (no run started), naming the field */
  rejected?: string;
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

/** Why a marker cannot start a run, naming the field; undefined when it can. */
function markerProblem(text: string): { options?: MarkerOptions; problem?: string } {
  if (!text) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  const parsed = MarkerContent.safeParse(json);
  if (parsed.success) return { options: parsed.data.options };
  const issue = parsed.error.issues[0];
  return { problem: `field "${issue.path.join('.') || '(root)'}": ${issue.message}` };
}

/** `starter`: starts a state machine execution (Step Functions in the cloud; the local harness's in tests). */
export function createStartHandler(deps: () => HandlerDeps = defaultDeps, starter: (d: HandlerDeps) => StartExecution = sfnStarterOf) {
  return defineHandler('start', ObjectCreatedEvent, async (event): Promise<StartResult> => {
    const d = deps();
    const { bucket, object } = event.detail;
    if (bucket.name !== d.ingestBucket) throw new UsageError(`event for bucket ${bucket.name}, this stack ingests ${d.ingestBucket}`);
    if (!object.key.endsWith(`/${MARKER}`)) throw new UsageError(`${object.key} is not a ${MARKER} marker`);
    const dataset = DatasetName.parse(object.key.slice(0, -(MARKER.length + 1)));
    const text = (await d.ingest.get(object.key)).toString('utf8').trim();
    const marker = markerProblem(text);
    if (marker.problem) {
      // a bad marker is the uploader's to fix: retrying cannot help, so no error is thrown (EventBridge would retry)
      logger.error(`bad marker s3://${bucket.name}/${object.key}: ${marker.problem}; no run started`, { markerKey: object.key });
      return { executionName: '', started: false, dataset, rejected: marker.problem };
    }
    const identity = object['version-id'] ?? object.sequencer ?? object.etag ?? '';
    const name = executionName(bucket.name, object.key, identity);
    const started = await starter(d)(name, { dataset, runId: name, options: marker.options ?? MarkerOptionsSchema.parse({}) });
    logger.info(started ? 'execution started' : 'execution already exists: duplicate event ignored', { name, dataset });
    return { executionName: name, started, dataset };
  });
}

let sfn: StartExecution | undefined;

function sfnStarterOf(d: HandlerDeps): StartExecution {
  const arn = d.env.STATE_MACHINE_ARN;
  if (!arn) throw new Error('STATE_MACHINE_ARN must be set');
  sfn ??= sfnStarter(tracer.captureAWSv3Client(new SFNClient({})), arn);
  return sfn;
}

export const handler = createStartHandler();
