// Imported first by the e2e tests: Powertools reads these when its modules load.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';
export {};
