// Imported first by local runs (e2e tests, demo, bench): Powertools reads these when its modules load.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';
// the AWS SDK's notice that its 2027 releases need Node 22 (Node 20 is supported here)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// aws-cdk-lib's deprecation notices, printed while the local pipeline synthesizes the stack
process.env.JSII_DEPRECATED ??= 'quiet';
export {};
