// cdk-nag AwsSolutions findings this stack accepts, each acknowledged with its reason (cdk-nag 3 reads CDK's
// Validations acknowledgements, matched by exact rule or finding id). Anything not acknowledged here fails
// `cdk synth` and test/infra/nag.test.ts. IAM5 findings are acknowledged one by one (the exact wildcard), never
// as a whole rule, so a new wildcard shows up as a finding.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

const PREFIX_REASON =
  'Object wildcard limited to one key prefix of the layout (lambdas/handlers/commons/layout.ts): datasets and runs are ' +
  'named at run time, so the keys below the prefix cannot be listed in the policy.';

export interface NagSubjects {
  functions: Record<string, IFunction>;
  ingest: IConstruct;
  output: IConstruct;
  stateMachine: IConstruct;
}

export function acknowledgeStackFindings(stack: Stack, s: NagSubjects): void {
  const logicalId = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as never);
  ack(stack, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'AWS managed policy granting only CloudWatch Logs writes to the function\'s own log groups.');
  ack(stack, 'AwsSolutions-L1', 'Node.js 22 is the runtime this project targets and tests (nodejs20.x is deprecated); 24 is a separate, tested change.');
  ack(stack, 'AwsSolutions-IAM5[Resource::*]',
    'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level scoping.');
  // bucket-level and object-level action groups from grantRead/grantPut; the resources they apply to are the prefixes below
  for (const a of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*']) {
    ack(stack, `AwsSolutions-IAM5[Action::${a}]`, `CDK grant action group (${a}) applied only to the bucket and key prefixes acknowledged below.`);
  }
  const output = logicalId(s.output);
  const ingest = logicalId(s.ingest);
  const sm = logicalId(s.stateMachine);
  for (const p of ['work', 'datasets', 'restored', 'transformed']) {
    ack(stack, `AwsSolutions-IAM5[Resource::<${output}.Arn>/${p}/*]`, PREFIX_REASON);
  }
  ack(stack, `AwsSolutions-IAM5[Resource::<${ingest}.Arn>/*]`,
    'prepare, align and transform read dataset images anywhere in the ingest bucket (read only: no write grant exists on it).');
  ack(stack, `AwsSolutions-IAM5[Resource::<${ingest}.Arn>/*/_READY]`, 'The start function reads only marker objects.');
  // The state machine role: invoking function versions (ARN:*), the Distributed Map's ItemReader/ResultWriter, and
  // starting its own child executions.
  for (const f of Object.values(s.functions)) {
    ack(stack, `AwsSolutions-IAM5[Resource::<${logicalId(f)}.Arn>:*]`, 'Step Functions may invoke any version or alias of this one function.');
  }
  ack(stack, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${output}>/*]`,
    'Distributed Map ItemReader reads the item list at a key known only at run time, and ResultWriter writes below work/map-results/; both in the output bucket.');
  const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${sm}"}]}]}`;
  for (const r of [`${executions}:*`, `${executions}/*:*`]) {
    ack(stack, `AwsSolutions-IAM5[Resource::${r}]`, 'The Distributed Map describes and stops the child executions of its own state machine.');
  }
}
