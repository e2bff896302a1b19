// The adreel serverless stack: ingest and output buckets, the `_READY` marker trigger, the compress state machine,
// and the restore and transform functions SageMaker jobs invoke.
import { join } from 'node:path';
import { Duration, IgnoreMode, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { handlerFunction, REPO_ROOT } from './functions.ts';
import { buildPipeline, type MapSettings } from './pipeline.ts';
import { DEFAULT_MAP, FUNCTION_SIZING, memoryMb, type FunctionName } from './sizing.ts';
import { acknowledgeStackFindings } from './nag.ts';

export interface AdreelStackProps extends StackProps {
  /** s3://bucket/key of an ONNX segmentation model: enables the model engine and sizes memory for it */
  modelS3Uri?: string;
  /** prebuilt encode image in ECR (repository name + tag); otherwise built from layers/ffmpeg/Dockerfile at deploy */
  encodeImage?: { repositoryName: string; tag: string };
  map?: Partial<MapSettings>;
}

const timeout = (fn: FunctionName) => Duration.seconds(FUNCTION_SIZING[fn].timeoutSeconds);

export class AdreelStack extends Stack {
  readonly ingest: s3.Bucket;
  readonly output: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<string, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: AdreelStackProps = {}) {
    super(scope, id, props);
    const engine = props.modelS3Uri ? 'model' : 'threshold';

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    // originals: versioned, never written by the pipeline (no function has a write grant on it)
    this.ingest = new s3.Bucket(this, 'Ingest', {
      ...common,
      versioned: true,
      eventBridgeEnabled: true,
      serverAccessLogsPrefix: 'ingest/',
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(90) },
        { abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });
    this.output = new s3.Bucket(this, 'Output', {
      ...common,
      serverAccessLogsPrefix: 'output/',
      lifecycleRules: [
        { prefix: 'work/', expiration: Duration.days(7) },
        { prefix: 'restored/', expiration: Duration.days(30) },
        { prefix: 'transformed/', expiration: Duration.days(30) },
        { abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });

    const env: Record<string, string> = { INGEST_BUCKET: this.ingest.bucketName, OUTPUT_BUCKET: this.output.bucketName };
    if (props.modelS3Uri) env.ADREEL_MODEL_S3_URI = props.modelS3Uri;
    const fn = (name: string, handler: string, sized: FunctionName) =>
      handlerFunction(this, name, { handler, memoryMb: memoryMb(sized, engine), timeout: timeout(sized), environment: env });

    const prepare = fn('PrepareReferenceFn', 'prepare-reference', 'prepare');
    const align = fn('AlignMaskFn', 'align-mask', 'align');
    const union = fn('UnionMaskFn', 'union-mask', 'union');
    const verify = fn('VerifyFn', 'verify', 'verify');
    const publish = fn('PublishFn', 'publish', 'publish');
    const restore = fn('RestoreFn', 'restore', 'restore');
    const restoreSegment = fn('RestoreSegmentFn', 'restore-segment', 'restoreSegment');
    restore.addEnvironment('RESTORE_SEGMENT_FUNCTION', restoreSegment.functionName);
    restore.addEnvironment('RESTORE_FANOUT', '16');
    restoreSegment.grantInvoke(restore);
    const discover = fn('DiscoverFn', 'discover', 'discover');
    const summarize = fn('SummarizeFn', 'summarize', 'summarize');
    const transform = fn('TransformFn', 'transform', 'transform');
    const encode = new lambda.DockerImageFunction(this, 'EncodeFn', {
      code: props.encodeImage
        ? lambda.DockerImageCode.fromEcr(
            // referenced by name: the image is built and pushed outside this stack (layers/ffmpeg/README.md)
            ecr.Repository.fromRepositoryName(this, 'EncodeImageRepo', props.encodeImage.repositoryName),
            { tagOrDigest: props.encodeImage.tag },
          )
        : lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
            file: join('layers', 'ffmpeg', 'Dockerfile'),
            ignoreMode: IgnoreMode.DOCKER,
            exclude: ['*', '!package.json', '!package-lock.json', '!tsconfig.json', '!lambdas', '!layers'],
          }),
      architecture: lambda.Architecture.X86_64,
      memorySize: memoryMb('encode'),
      timeout: timeout('encode'),
      ephemeralStorageSize: Size.mebibytes(4096),
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...env, POWERTOOLS_SERVICE_NAME: 'adreel-encode' },
    });

    // Grants, each scoped to the prefixes the function uses (layout in lambdas/handlers/commons/layout.ts); read
    // and put only: no function may delete, and none can write the ingest bucket (originals are never changed).
    for (const f of [discover, prepare, align, transform]) this.ingest.grantRead(f);
    for (const f of [discover, summarize, prepare, align, union, encode, verify, publish]) {
      this.output.grantRead(f, 'work/*');
      this.output.grantPut(f, 'work/*');
    }
    for (const f of [align, union, encode, verify, publish, restore, restoreSegment, transform, summarize]) this.output.grantRead(f, 'datasets/*');
    for (const f of [prepare, union, encode, publish, summarize]) this.output.grantPut(f, 'datasets/*');
    for (const f of [restore, restoreSegment]) this.output.grantPut(f, 'restored/*');
    this.output.grantPut(transform, 'transformed/*');
    if (props.modelS3Uri) {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(props.modelS3Uri);
      if (!m) throw new Error(`modelS3Uri must be s3://bucket/key, got ${props.modelS3Uri}`);
      for (const f of [prepare, align, transform]) {
        f.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${this.partition}:s3:::${m[1]}/${m[2]}`] }));
      }
    }

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    const definition = buildPipeline(
      this,
      { discover, summarize, prepare, align, union, encode, verify, publish },
      this.output,
      { ...DEFAULT_MAP, ...props.map },
    );
    this.stateMachine = new sfn.StateMachine(this, 'CompressPipeline', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(4),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    const start = fn('StartFn', 'start', 'start');
    start.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    this.ingest.grantRead(start, `*/_READY`);
    this.stateMachine.grantStartExecution(start);
    new events.Rule(this, 'ReadyMarkerRule', {
      description: 'A dataset upload is complete when its <dataset>/_READY marker is written',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.ingest.bucketName] }, object: { key: events.Match.suffix('/_READY') } },
      },
      targets: [new targets.LambdaFunction(start, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });

    this.functions = { start, discover, summarize, prepare, align, union, encode, verify, publish, restore, restoreSegment, transform };
    acknowledgeStackFindings(this, { functions: this.functions, ingest: this.ingest, output: this.output, stateMachine: this.stateMachine });
  }
}
