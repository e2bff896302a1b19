// CDK assertions on the synthesized template (bundling skipped: the template is what is asserted), cdk-nag
// AwsSolutions with zero unacknowledged findings, and the production -> local definition conversion.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp, FEATURE_FLAGS } from '../../infra/app.ts';
import type { AdreelStack } from '../../infra/adreel-stack.ts';
import { definitionFromTemplate, itemReaderStateName, LOCAL_ITEMS_PATH, toLocalDefinition, type MachineDef } from '../../infra/local/definition.ts';
import { RETRYABLE_ERRORS, STATE_NAMES } from '../../infra/pipeline.ts';

let app: App;
let stack: AdreelStack;
let template: Template;
let definition: MachineDef;

/** The states of the per-class workflow (the ClassMap's item processor). */
function classProcessor(def: MachineDef): MachineDef {
  return def.States[STATE_NAMES.classMap].ItemProcessor as unknown as MachineDef;
}

/** Every state by name, nested Map bodies included (names are unique across the machine). */
function allStates(def: MachineDef): Record<string, MachineDef['States'][string]> {
  const out: Record<string, MachineDef['States'][string]> = {};
  for (const [name, state] of Object.entries(def.States)) {
    out[name] = state;
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor as unknown as MachineDef));
  }
  return out;
}

function statementsOf(fnId: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const role = stack.getLogicalId(stack.functions[fnId].role!.node.defaultChild as never);
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('AdreelStack template', () => {
  before(() => {
    app = new App({ context: { ...FEATURE_FLAGS, 'adreel:nag': 'false', 'aws:cdk:bundling-stacks': [] } });
    stack = buildApp(app).stack;
    template = Template.fromStack(stack);
    definition = definitionFromTemplate(template.toJSON() as never);
  });

  it('every bucket: encrypted, public access blocked, TLS only; ingest versioned and logged; intermediates expire', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    assert.equal(Object.keys(buckets).length, 3);
    for (const b of Object.values(buckets)) {
      assert.ok(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm);
      assert.deepEqual(b.Properties.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    }
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    assert.equal(policies.filter((p) => JSON.stringify(p).includes('"aws:SecureTransport":"false"')).length, 3);
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' }, LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'ingest/' }) });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'work/', ExpirationInDays: 7, Status: 'Enabled' })]) },
    });
  });

  it('grants are scoped to prefixes; no function can write or delete in the ingest bucket', () => {
    const ingest = stack.getLogicalId(stack.ingest.node.defaultChild as never);
    for (const id of Object.keys(stack.functions)) {
      for (const s of statementsOf(id)) {
        const actions = [s.Action].flat();
        assert.ok(!actions.some((a) => /^s3:Delete/.test(a)), `${id} may delete: ${actions}`);
        if (actions.some((a) => a.startsWith('s3:Put'))) {
          assert.ok(!JSON.stringify(s.Resource).includes(ingest), `${id} may write the ingest bucket`);
          assert.match(JSON.stringify(s.Resource), /\/(work|datasets|restored|transformed)\/\*/, `${id} writes outside the layout prefixes`);
        }
      }
    }
    const restorePuts = statementsOf('restore').filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:Put')));
    assert.match(JSON.stringify(restorePuts), /restored\/\*/);
    assert.doesNotMatch(JSON.stringify(restorePuts), /datasets\/\*/);
  });

  it('functions: Node 22, X-Ray tracing, model-free memory; encode is a container image', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    const zips = fns.filter((f) => f.Properties.Runtime);
    assert.ok(zips.filter((f) => f.Properties.Runtime === 'nodejs22.x').length >= 8);
    template.hasResourceProperties('AWS::Lambda::Function', { PackageType: 'Image', MemorySize: 3008, Timeout: 900 });
    for (const f of fns.filter((x) => x.Properties.Environment?.Variables?.OUTPUT_BUCKET)) assert.deepEqual(f.Properties.TracingConfig, { Mode: 'Active' });
  });

  it('the model engine sizes the segmenting functions at >= 3 GB and may read only the model object', () => {
    const a = new App({ context: { ...FEATURE_FLAGS, 'adreel:nag': 'false', 'aws:cdk:bundling-stacks': [], 'adreel:modelS3Uri': 's3://models/u2netp.onnx' } });
    const t = Template.fromStack(buildApp(a).stack);
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 3008, Environment: { Variables: Match.objectLike({ ADREEL_MODEL_S3_URI: 's3://models/u2netp.onnx' }) } });
    assert.match(JSON.stringify(t.findResources('AWS::IAM::Policy')), /:s3:::models\/u2netp\.onnx/);
  });

  it('the _READY marker rule targets the start function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: Match.objectLike({ object: { key: [{ suffix: '/_READY' }] } }) }),
    });
  });

  it('state machine: Standard, logged, traced; every task retries transient errors with backoff and jitter, and is caught', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    const states = allStates(definition);
    const retried = [STATE_NAMES.discover, STATE_NAMES.summarize, STATE_NAMES.prepare, STATE_NAMES.map, STATE_NAMES.union, STATE_NAMES.encode, STATE_NAMES.verify, STATE_NAMES.publish];
    for (const name of retried) {
      const s = states[name] as unknown as Record<string, never>;
      const retry = (s.Retry as Record<string, unknown>[])[0];
      assert.deepEqual(retry.ErrorEquals, RETRYABLE_ERRORS, name);
      assert.equal(retry.JitterStrategy, 'FULL');
      assert.ok((retry.BackoffRate as number) > 1 && (retry.MaxAttempts as number) >= 2);
    }
    // top level: to RunFailed; inside a class: to ClassFailed (a failed class fails the ClassMap, caught at the top);
    // encode and verify run inside the EncodeMap, whose Catch covers them
    for (const name of [STATE_NAMES.discover, STATE_NAMES.classMap, STATE_NAMES.summarize]) {
      assert.equal(((definition.States[name] as unknown as Record<string, never>).Catch as Record<string, unknown>[])[0].Next, STATE_NAMES.failed, name);
    }
    const perClass = classProcessor(definition);
    for (const name of [STATE_NAMES.prepare, STATE_NAMES.map, STATE_NAMES.union, STATE_NAMES.encodeMap, STATE_NAMES.publish]) {
      assert.equal(((perClass.States[name] as unknown as Record<string, never>).Catch as Record<string, unknown>[])[0].Next, STATE_NAMES.classFailed, name);
    }
    assert.deepEqual(definition.States[STATE_NAMES.failed], { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    assert.deepEqual(perClass.States[STATE_NAMES.classFailed], { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    assert.equal(definition.StartAt, STATE_NAMES.discover);
    assert.equal(definition.States[STATE_NAMES.discover].Next, STATE_NAMES.classMap);
    assert.equal(definition.States[STATE_NAMES.classMap].Next, STATE_NAMES.summarize);
  });

  it('ClassMap: one Distributed Map over the classes discover listed, Standard children, each class a whole pipeline', () => {
    const output = stack.getLogicalId(stack.output.node.defaultChild as never);
    const map = definition.States[STATE_NAMES.classMap] as unknown as Record<string, never>;
    assert.deepEqual(map.ItemReader, { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: output, 'Key.$': '$.discover.classesKey' } });
    assert.deepEqual(map.ItemSelector, { 'dataset.$': '$$.Map.Item.Value.dataset', 'runId.$': '$.runId', 'options.$': '$.options' });
    assert.equal(map.MaxConcurrency, 10);
    const processor = classProcessor(definition);
    assert.deepEqual((processor as unknown as Record<string, unknown>).ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    assert.equal(processor.StartAt, STATE_NAMES.prepare);
    const chain = [STATE_NAMES.prepare, STATE_NAMES.map, STATE_NAMES.union, STATE_NAMES.encodeMap, STATE_NAMES.publish];
    chain.slice(0, -1).forEach((name, i) => assert.equal(processor.States[name].Next, chain[i + 1], name));
  });

  it('EncodeMap: one encode -> verify per reel segment the union function planned; results stay in S3', () => {
    const map = classProcessor(definition).States[STATE_NAMES.encodeMap] as unknown as Record<string, never>;
    assert.equal(map.ItemsPath, '$.union.segments');
    assert.deepEqual(map.ItemSelector, { 'dataset.$': '$.dataset', 'runId.$': '$.runId', 'segment.$': '$$.Map.Item.Value' });
    assert.equal(map.MaxConcurrency, 20);
    assert.equal(map.ResultPath, null);
    const body = map.ItemProcessor as unknown as MachineDef;
    assert.equal(body.StartAt, STATE_NAMES.encode);
    assert.equal(body.States[STATE_NAMES.encode].Next, STATE_NAMES.verify);
    assert.deepEqual(body.States[STATE_NAMES.encode].Parameters, { 'dataset.$': '$.dataset', 'runId.$': '$.runId', 'segment.$': '$.segment' });
  });

  it('restore fans out to the restore-segment function (and may invoke only it)', () => {
    const seg = stack.getLogicalId(stack.functions.restoreSegment.node.defaultChild as never);
    const invokes = statementsOf('restore').filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    assert.ok(invokes.length > 0);
    assert.ok(invokes.every((s) => JSON.stringify(s.Resource).includes(seg)));
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ RESTORE_SEGMENT_FUNCTION: { Ref: seg } }) } });
  });

  it('Distributed Map: JSON ItemReader from prepare, batching, concurrency, tolerated failures, results to work/', () => {
    const map = classProcessor(definition).States[STATE_NAMES.map] as unknown as Record<string, never>;
    const output = stack.getLogicalId(stack.output.node.defaultChild as never);
    assert.deepEqual(map.ItemReader, { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: output, 'Key.$': '$.prepare.itemsKey' } });
    assert.deepEqual(map.ItemBatcher, { MaxItemsPerBatch: 8, BatchInput: { 'dataset.$': '$.dataset', 'runId.$': '$.runId' } });
    assert.equal(map.MaxConcurrency, 40);
    // 0 is the ASL default (CDK omits it): any align task failing after its retries fails the Map, and the run
    assert.equal(map.ToleratedFailurePercentage ?? 0, 0);
    assert.equal(map.ToleratedFailureCount, undefined);
    assert.deepEqual(map.ResultWriter, { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: output, Prefix: 'work/map-results' } });
    assert.deepEqual((map.ItemProcessor as Record<string, unknown>).ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
  });

  it('toLocalDefinition: each Distributed Map becomes a local ItemReader task + inline Map; all else unchanged', () => {
    const local = toLocalDefinition(definition);
    const classReader = itemReaderStateName(STATE_NAMES.classMap);
    assert.equal(local.States[STATE_NAMES.discover].Next, classReader);
    assert.equal(local.States[classReader].Next, STATE_NAMES.classMap);
    assert.deepEqual((local.States[STATE_NAMES.classMap].ItemProcessor as Record<string, unknown>).ProcessorConfig, { Mode: 'INLINE' });
    assert.deepEqual(local.States[STATE_NAMES.classMap].ItemSelector, definition.States[STATE_NAMES.classMap].ItemSelector);
    const perClass = classProcessor(local);
    const prodClass = classProcessor(definition);
    const reader = itemReaderStateName(STATE_NAMES.map);
    assert.equal(perClass.StartAt, STATE_NAMES.prepare);
    assert.equal(perClass.States[STATE_NAMES.prepare].Next, reader);
    assert.deepEqual(perClass.States[reader].Parameters, { Bucket: (prodClass.States[STATE_NAMES.map].ItemReader as never as { Parameters: { Bucket: string } }).Parameters.Bucket, 'Key.$': '$.prepare.itemsKey', MaxItemsPerBatch: 8, BatchInput: { 'dataset.$': '$.dataset', 'runId.$': '$.runId' } });
    assert.equal(perClass.States[reader].Next, STATE_NAMES.map);
    const map = perClass.States[STATE_NAMES.map] as unknown as Record<string, never>;
    assert.equal(map.ItemsPath, LOCAL_ITEMS_PATH);
    for (const k of ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage']) assert.equal(k in map, false, k);
    assert.deepEqual((map.ItemProcessor as Record<string, unknown>).ProcessorConfig, { Mode: 'INLINE' });
    assert.deepEqual(map.Retry, prodClass.States[STATE_NAMES.map].Retry);
    for (const name of [STATE_NAMES.union, STATE_NAMES.encodeMap, STATE_NAMES.publish, STATE_NAMES.classFailed]) {
      assert.deepEqual(perClass.States[name], prodClass.States[name], name);
    }
    for (const name of [STATE_NAMES.summarize, STATE_NAMES.failed]) assert.deepEqual(local.States[name], definition.States[name], name);
    assert.equal(prodClass.States[STATE_NAMES.map].ItemReader !== undefined, true, 'the input is not modified');
  });

  it('cdk-nag AwsSolutions: zero unacknowledged findings', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    assert.deepEqual(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
  });
});
