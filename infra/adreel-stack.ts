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
import { acknowledgeStackFindings } from './nag.ts';

export interface AdreelStackProps extends StackProps {
  /** s3://bucket/key of an ONNX segmentation model: enables the model engine and sizes memory for it */
  modelS3Uri?: string;
  /** prebuilt encode image in ECR (repository name + tag); otherwise built from layers/ffmpeg/Dockerfile at deploy */
  encodeImage?: { repositoryName: string; tag: string };
  map?: Partial<MapSettings>;
}

/**
 * Per-image align+mask takes ~0.3-1 s (threshold engine, 1 MP) and ~2-4 s with the model: batches of 8 fit 5 min.
 * Classes: 10 at a time (each fans out again). Segments: up to 20 encode Lambdas per class (a segment is sized to
 * encode in ~2 minutes, lambdas/core/reel/segments.ts).
 */
export const DEFAULT_MAP: MapSettings = { maxConcurrency: 40, maxItemsPerBatch: 8, toleratedFailurePercentage: 0, classConcurrency: 10, encodeConcurrency: 20 };

export class AdreelStack extends Stack {
  readonly ingest: s3.Bucket;
  readonly output: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<string, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: AdreelStackProps = {}) {
    super(scope, id, props);
    const model = Boolean(props.modelS3Uri);
    // the model engine needs >= 3 GB (onnxruntime + a U2-Net at 1 MP); the threshold engine much less
    const segMemory = model ? 3008 : 2048;

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
    const fn = (name: string, handler: string, memoryMb: number, timeout: Duration) =>
      handlerFunction(this, name, { handler, memoryMb, timeout, environment: env });

    const prepare = fn('PrepareReferenceFn', 'prepare-reference', segMemory, Duration.minutes(5));
    const align = fn('AlignMaskFn', 'align-mask', segMemory, Duration.minutes(5));
    const union = fn('UnionMaskFn', 'union-mask', 1024, Duration.minutes(5));
    const verify = fn('VerifyFn', 'verify', 1024, Duration.minutes(10));
    // 1024 MB and 5 min: at 100k images the manifest holds 100k frame records (cost model: ~35 s of work)
    const publish = fn('PublishFn', 'publish', 1024, Duration.minutes(5));
    const restore = fn('RestoreFn', 'restore', 2048, Duration.minutes(15));
    const restoreSegment = fn('RestoreSegmentFn', 'restore-segment', 2048, Duration.minutes(15));
    restore.addEnvironment('RESTORE_SEGMENT_FUNCTION', restoreSegment.functionName);
    restore.addEnvironment('RESTORE_FANOUT', '16');
    restoreSegment.grantInvoke(restore);
    const discover = fn('DiscoverFn', 'discover', 512, Duration.minutes(2));
    const summarize = fn('SummarizeFn', 'summarize', 512, Duration.minutes(2));
    const transform = fn('TransformFn', 'transform', segMemory, Duration.minutes(15));
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
      memorySize: 3008,
      timeout: Duration.minutes(15),
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
      {
        discover: Duration.minutes(2),
        summarize: Duration.minutes(2),
        prepare: Duration.minutes(5),
        align: Duration.minutes(5),
        union: Duration.minutes(5),
        encode: Duration.minutes(15),
        verify: Duration.minutes(10),
        publish: Duration.minutes(5),
      },
    );
    this.stateMachine = new sfn.StateMachine(this, 'CompressPipeline', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(4),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    const start = fn('StartFn', 'start', 256, Duration.seconds(30));
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
