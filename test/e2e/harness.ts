// Shared set-up of the local end-to-end tests. The code lives in infra/local/harness.ts (the demo and
// bench/local-pipeline.ts use it too).
export * from '../../infra/local/harness.ts';
