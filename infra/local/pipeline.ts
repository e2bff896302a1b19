// The serverless pipeline on one machine: the synthesized state machine run by aws-local-stepfunctions, its task
// states overridden to call the real handlers in-process, S3 on a local s3rver, and a local stand-in for the two
// AWS services that cannot run here: EventBridge (the `_READY` rule, applied to s3rver's object events) and Step
// Functions' StartExecution (its execution-name uniqueness).
import './quiet-env.ts';
import './with-resolvers.ts';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { buildApp, FEATURE_FLAGS } from '../app.ts';
import { STATE_NAMES } from '../pipeline.ts';
import { batchItems, definitionFromTemplate, itemReaderStateName, toLocalDefinition, type Json, type MachineDef } from './definition.ts';
import type { LocalS3, LocalS3Record } from './s3rver.ts';
import { S3Storage } from '../../lambdas/storage/s3.ts';
import { s3Deps, type HandlerDeps } from '../../lambdas/handlers/commons/deps.ts';
import { createStartHandler, type ExecutionInput, type ObjectCreatedEvent, type StartExecution } from '../../lambdas/handlers/start.ts';
import { createPrepareReferenceHandler } from '../../lambdas/handlers/prepare-reference.ts';
import { createAlignMaskHandler } from '../../lambdas/handlers/align-mask.ts';
import { createUnionMaskHandler } from '../../lambdas/handlers/union-mask.ts';
import { createEncodeHandler } from '../../lambdas/handlers/encode.ts';
import { createVerifyHandler } from '../../lambdas/handlers/verify.ts';
import { createPublishHandler } from '../../lambdas/handlers/publish.ts';
import { createDiscoverHandler } from '../../lambdas/handlers/discover.ts';
import { createSummarizeHandler } from '../../lambdas/handlers/summarize.ts';

export type TaskHandler = (input: unknown) => Promise<unknown>;

/** The synthesized production definition (bundling skipped: only the definition is needed). */
export function synthesizedDefinition(): { definition: MachineDef; outputBucketLogicalId: string } {
  const { stack } = buildApp(new App({ context: { ...FEATURE_FLAGS, 'adreel:nag': 'false', 'aws:cdk:bundling-stacks': [] } }));
  const template = Template.fromStack(stack).toJSON();
  const outputBucketLogicalId = stack.getLogicalId(stack.output.node.defaultChild as never);
  return { definition: definitionFromTemplate(template as Parameters<typeof definitionFromTemplate>[0]), outputBucketLogicalId };
}

export interface ExecutionRecord {
  name: string;
  input: ExecutionInput;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; cause: string };
  done: Promise<void>;
}

export interface LocalPipelineOptions {
  s3: LocalS3;
  ingestBucket: string;
  outputBucket: string;
  /** wrap a task state's handler (fault injection); keyed by state name */
  wrap?: Partial<Record<string, (real: TaskHandler) => TaskHandler>>;
}

export class LocalPipeline {
  readonly executions = new Map<string, ExecutionRecord>();
  readonly startResults: unknown[] = [];
  /** synthesized on first use: a harness that only delivers events (or is refused) does not pay for a CDK synth */
  private compiledMachine?: { local: MachineDef; machine: StateMachine };
  private readonly handlers: Record<string, TaskHandler>;
  /** what the handlers run with: this pipeline's s3rver and buckets */
  readonly deps: HandlerDeps;
  private pending: Promise<unknown>[] = [];
  /** deliveries the start function rejected (rethrown by settle) */
  readonly deliveryErrors: unknown[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: LocalPipelineOptions) {
    // the handlers' deps point at this s3rver (no process.env rewriting, no client reset)
    this.deps = s3Deps(opts.s3.client, opts.ingestBucket, opts.outputBucket, {});
    const deps = () => this.deps;
    const real: Record<string, TaskHandler> = {
      [STATE_NAMES.discover]: createDiscoverHandler(deps),
      [STATE_NAMES.summarize]: createSummarizeHandler(deps),
      [itemReaderStateName(STATE_NAMES.classMap)]: (input) => this.readItems(input as LocalItemReaderInput),
      [STATE_NAMES.prepare]: createPrepareReferenceHandler(deps),
      [STATE_NAMES.align]: createAlignMaskHandler(deps),
      [STATE_NAMES.union]: createUnionMaskHandler(deps),
      [STATE_NAMES.encode]: createEncodeHandler(deps),
      [STATE_NAMES.verify]: createVerifyHandler(deps),
      [STATE_NAMES.publish]: createPublishHandler(deps),
      [itemReaderStateName(STATE_NAMES.map)]: (input) => this.readItems(input as LocalItemReaderInput),
    };
    this.handlers = Object.fromEntries(Object.entries(real).map(([k, h]) => [k, opts.wrap?.[k]?.(h) ?? h]));
    // the EventBridge rule: Object Created in the ingest bucket with a key ending in /_READY -> start function
    this.unsubscribe = opts.s3.onRecord((r) => {
      if (r.eventName.startsWith('ObjectCreated:') && r.s3.bucket.name === opts.ingestBucket && r.s3.object.key.endsWith('/_READY')) {
        // a rejected delivery is kept and rethrown by settle(), so the test that caused it fails
        this.pending.push(this.deliver(toEventBridge(r)).catch((err: unknown) => void this.deliveryErrors.push(err)));
      }
    });
  }

  /** Stops listening to object events (waits for what is in flight first). */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.settle();
  }

  get definition(): MachineDef {
    return this.compiled.local;
  }

  private get compiled(): { local: MachineDef; machine: StateMachine } {
    if (!this.compiledMachine) {
      const local = toLocalDefinition(synthesizedDefinition().definition);
      this.compiledMachine = { local, machine: new StateMachine(local as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } }) };
    }
    return this.compiledMachine;
  }

  /** Delivers an event to the real start function (also used to replay a duplicate delivery). */
  async deliver(event: ObjectCreatedEvent): Promise<unknown> {
    const start = createStartHandler(() => this.deps, () => this.startExecution);
    const result = await start(event);
    this.startResults.push(result);
    return result;
  }

  /** Waits until every delivered event has been handled and every execution has finished. */
  async settle(): Promise<void> {
    for (;;) {
      const waiting = [...this.pending, ...[...this.executions.values()].map((e) => e.done)];
      await Promise.allSettled(waiting);
      if (waiting.length === this.pending.length + this.executions.size) break;
    }
    if (this.deliveryErrors.length) {
      throw new AggregateError(this.deliveryErrors, `the start function rejected ${this.deliveryErrors.length} delivery(ies): ${this.deliveryErrors.map((e) => (e as Error).message).join('; ')}`);
    }
  }

  /** Step Functions' StartExecution as the start function sees it: names are unique. */
  private readonly startExecution: StartExecution = async (name, input) => {
    if (this.executions.has(name)) return false;
    const record: ExecutionRecord = { name, input, status: 'RUNNING', done: Promise.resolve() };
    record.done = this.run(record);
    this.executions.set(name, record);
    return true;
  };

  private async run(record: ExecutionRecord): Promise<void> {
    const execution = this.compiled.machine.run(record.input as unknown as Json as never, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(Object.entries(this.handlers).map(([k, h]) => [k, async (i: unknown) => (await h(i)) as never])),
        // backoff is asserted in the template; locally a retry need not wait
        retryIntervalOverrides: Object.fromEntries(Object.keys(this.handlers).map((k) => [k, 0])).valueOf() as Record<string, number>,
      },
      context: { Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:local:${record.name}`, Name: record.name } } as never,
    });
    try {
      record.output = await execution.result;
      record.status = 'SUCCEEDED';
    } catch (err) {
      // ExecutionError wraps the Fail state's error: its name is the Error, its message the Cause
      const failure = ((err as Error & { cause?: Error }).cause ?? err) as Error;
      record.status = 'FAILED';
      record.error = { name: failure.name, cause: failure.message };
    }
  }

  private async readItems(input: LocalItemReaderInput): Promise<Json[]> {
    const store = new S3Storage(this.opts.s3.client, this.opts.outputBucket);
    const items = JSON.parse((await store.get(input.Key)).toString('utf8')) as Json[];
    return batchItems(items, input.MaxItemsPerBatch, input.BatchInput);
  }
}

interface LocalItemReaderInput {
  Bucket: string;
  Key: string;
  MaxItemsPerBatch: number;
  BatchInput: Json;
}

/** The EventBridge "Object Created" event S3 sends for an object write (the fields the rule and start read). */
export function toEventBridge(r: LocalS3Record): ObjectCreatedEvent {
  return {
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: {
      bucket: { name: r.s3.bucket.name },
      object: { key: decodeURIComponent(r.s3.object.key), size: r.s3.object.size, etag: r.s3.object.eTag, sequencer: r.s3.object.sequencer },
    },
  };
}
