// CDK app entry (cdk.json: node --import tsx infra/app.ts). Context:
//   adreel:modelS3Uri=s3://bucket/model.onnx         enable the model segmentation engine
//   adreel:encodeImageRepo=NAME adreel:encodeImageTag=TAG   use a prebuilt encode image (no Docker at deploy)
//   adreel:nag=false                                  skip the cdk-nag AwsSolutions checks
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AdreelStack } from './adreel-stack.ts';

/** Feature flags the stack relies on (also in cdk.json); tests pass them to their App too. */
export const FEATURE_FLAGS = {
  // access-log delivery through a bucket policy, not ACLs (the buckets have ACLs disabled)
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

export function buildApp(app: App = new App({ context: FEATURE_FLAGS })): { app: App; stack: AdreelStack } {
  const ctx = (k: string) => app.node.tryGetContext(`adreel:${k}`) as string | undefined;
  const repo = ctx('encodeImageRepo');
  const stack = new AdreelStack(app, 'AdreelStack', {
    description: 'adreel: compress anomaly-detection image sets into an HEVC reel, restore them for training',
    modelS3Uri: ctx('modelS3Uri'),
    encodeImage: repo ? { repositoryName: repo, tag: ctx('encodeImageTag') ?? 'latest' } : undefined,
  });
  if (ctx('nag') !== 'false') Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (process.argv[1]?.endsWith('infra/app.ts')) buildApp().app.synth();
