// The Standard state machine:
//   discover classes -> ClassMap (Distributed Map over the upload's classes, Standard child workflows; one class
//   for a plain dataset), each class: prepare reference -> Distributed Map (align+mask, batched) -> union mask (and
//   the segment plan) -> EncodeMap (Map over the reel's segments: encode -> verify, one Lambda each) -> publish
//   (assembles the class's manifest from the segment records) -> summarize (one summary for the run).
// States pass S3 keys only. Transient errors are retried with exponential backoff and full jitter; anything else
// (or retries exhausted) goes to a Fail state that records the error and its cause: ClassFailed inside a class,
// RunFailed at the top (a failed class fails the ClassMap).
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FUNCTION_SIZING } from './sizing.ts';

/** Error names worth retrying: Lambda service hiccups, timeouts, and what handlers classify as TransientError. */
export const RETRYABLE_ERRORS = [
  'TransientError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'States.Timeout',
];

export const STATE_NAMES = {
  discover: 'DiscoverClasses',
  classMap: 'ClassMap',
  classFailed: 'ClassFailed',
  encodeMap: 'EncodeMap',
  summarize: 'Summarize',
  prepare: 'PrepareReference',
  map: 'AlignMaskMap',
  align: 'AlignMask',
  union: 'UnionMask',
  encode: 'Encode',
  verify: 'Verify',
  publish: 'Publish',
  failed: 'RunFailed',
  done: 'Done',
} as const;

export interface PipelineFunctions {
  discover: IFunction;
  summarize: IFunction;
  prepare: IFunction;
  align: IFunction;
  union: IFunction;
  encode: IFunction;
  verify: IFunction;
  publish: IFunction;
}

export interface MapSettings {
  maxConcurrency: number;
  maxItemsPerBatch: number;
  toleratedFailurePercentage: number;
  /** classes processed at the same time */
  classConcurrency: number;
  /** reel segments encoded at the same time, per class */
  encodeConcurrency: number;
}

const RUN = { 'dataset.$': '$.dataset', 'runId.$': '$.runId' };

export function buildPipeline(scope: Construct, fns: PipelineFunctions, output: IBucket, map: MapSettings): sfn.IChainable {
  // a task waits as long as its function may run (infra/sizing.ts)
  const t = (fn: keyof PipelineFunctions) => Duration.seconds(FUNCTION_SIZING[fn].timeoutSeconds);
  const failed = new sfn.Fail(scope, STATE_NAMES.failed, { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const classFailed = new sfn.Fail(scope, STATE_NAMES.classFailed, { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const retry = <T extends sfn.TaskStateBase | sfn.DistributedMap>(s: T): T =>
    s.addRetry({
      errors: RETRYABLE_ERRORS,
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: Duration.seconds(60),
      jitterStrategy: sfn.JitterType.FULL,
    }) as T;
  const task = (name: string, fn: IFunction, payload: Record<string, unknown>, resultPath: string, timeout: Duration) =>
    retry(
      new LambdaInvoke(scope, name, {
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
        taskTimeout: sfn.Timeout.duration(timeout),
      }),
    );

  // one class (its input: {dataset, runId, options})
  const prepare = task(STATE_NAMES.prepare, fns.prepare, { ...RUN, 'options.$': '$.options' }, '$.prepare', t('prepare'));
  const align = task(STATE_NAMES.align, fns.align, { 'BatchInput.$': '$.BatchInput', 'Items.$': '$.Items' }, '$', t('align'));
  const alignMap = new sfn.DistributedMap(scope, STATE_NAMES.map, {
    itemReader: new sfn.S3JsonItemReader({ bucket: output, key: sfn.JsonPath.stringAt('$.prepare.itemsKey') }),
    itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: map.maxItemsPerBatch, batchInput: { 'dataset.$': '$.dataset', 'runId.$': '$.runId' } }),
    maxConcurrency: map.maxConcurrency,
    toleratedFailurePercentage: map.toleratedFailurePercentage,
    resultWriter: new sfn.ResultWriter({ bucket: output, prefix: 'work/map-results' }),
    mapExecutionType: sfn.StateMachineType.EXPRESS,
    resultPath: '$.map',
  });
  alignMap.itemProcessor(align);
  retry(alignMap);
  const union = task(STATE_NAMES.union, fns.union, RUN, '$.union', t('union'));
  // one segment of the reel per iteration (its input: {dataset, runId, segment}); results stay in S3
  const SEGMENT = { ...RUN, 'segment.$': '$.segment' };
  const encode = task(STATE_NAMES.encode, fns.encode, SEGMENT, '$.encode', t('encode'));
  const verify = task(STATE_NAMES.verify, fns.verify, SEGMENT, '$.verify', t('verify'));
  const encodeMap = new sfn.Map(scope, STATE_NAMES.encodeMap, {
    itemsPath: '$.union.segments',
    itemSelector: { 'dataset.$': '$.dataset', 'runId.$': '$.runId', 'segment.$': '$$.Map.Item.Value' },
    maxConcurrency: map.encodeConcurrency,
    resultPath: sfn.JsonPath.DISCARD,
  });
  encodeMap.itemProcessor(encode.next(verify));
  const publish = task(STATE_NAMES.publish, fns.publish, RUN, '$.publish', t('publish'));
  for (const s of [prepare, alignMap, union, encodeMap, publish]) s.addCatch(classFailed, { resultPath: '$.error' });
  const perClass = prepare.next(alignMap).next(union).next(encodeMap).next(publish);

  // the upload: its classes, each a complete output, then one summary
  const discover = task(STATE_NAMES.discover, fns.discover, { ...RUN, 'options.$': '$.options' }, '$.discover', t('discover'));
  const classMap = new sfn.DistributedMap(scope, STATE_NAMES.classMap, {
    itemReader: new sfn.S3JsonItemReader({ bucket: output, key: sfn.JsonPath.stringAt('$.discover.classesKey') }),
    itemSelector: { 'dataset.$': '$$.Map.Item.Value.dataset', 'runId.$': '$.runId', 'options.$': '$.options' },
    maxConcurrency: map.classConcurrency,
    // a class that fails fails the run (its manifest was never published)
    toleratedFailurePercentage: 0,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultPath: sfn.JsonPath.DISCARD,
  });
  classMap.itemProcessor(perClass);
  const summarize = task(STATE_NAMES.summarize, fns.summarize, RUN, '$.summary', t('summarize'));
  for (const s of [discover, classMap, summarize]) s.addCatch(failed, { resultPath: '$.error' });
  return discover.next(classMap).next(summarize).next(new sfn.Succeed(scope, STATE_NAMES.done));
}
