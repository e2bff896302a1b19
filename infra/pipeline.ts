// The Standard state machine: prepare reference -> Distributed Map (align+mask, batched) -> union mask -> encode ->
// verify -> publish. States pass S3 keys only. Transient errors are retried with exponential backoff and full
// jitter; anything else (or retries exhausted) goes to one Fail state that records the error and its cause.
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

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
}

export interface PipelineTimeouts {
  prepare: Duration;
  align: Duration;
  union: Duration;
  encode: Duration;
  verify: Duration;
  publish: Duration;
}

const RUN = { 'dataset.$': '$.dataset', 'runId.$': '$.runId' };

export function buildPipeline(scope: Construct, fns: PipelineFunctions, output: IBucket, map: MapSettings, t: PipelineTimeouts): sfn.IChainable {
  const failed = new sfn.Fail(scope, STATE_NAMES.failed, { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const retry = (s: sfn.TaskStateBase | sfn.DistributedMap) =>
    s.addRetry({
      errors: RETRYABLE_ERRORS,
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: Duration.seconds(60),
      jitterStrategy: sfn.JitterType.FULL,
    });
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

  const prepare = task(STATE_NAMES.prepare, fns.prepare, { ...RUN, 'options.$': '$.options' }, '$.prepare', t.prepare);
  const align = task(STATE_NAMES.align, fns.align, { 'BatchInput.$': '$.BatchInput', 'Items.$': '$.Items' }, '$', t.align);
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
  const union = task(STATE_NAMES.union, fns.union, RUN, '$.union', t.union);
  const encode = task(STATE_NAMES.encode, fns.encode, RUN, '$.encode', t.encode);
  const verify = task(STATE_NAMES.verify, fns.verify, RUN, '$.verify', t.verify);
  const publish = task(STATE_NAMES.publish, fns.publish, RUN, '$.publish', t.publish);
  for (const s of [prepare, alignMap, union, encode, verify, publish]) s.addCatch(failed, { resultPath: '$.error' });
  return prepare.next(alignMap).next(union).next(encode).next(verify).next(publish).next(new sfn.Succeed(scope, STATE_NAMES.done));
}
