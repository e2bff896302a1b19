// Layering (README "Layout"): imports point down. ground <- storage <- core <- handlers / cli / infra / eval / report / bench.
// Checked by test/layering/layering.test.ts on the real tree and on a fixture with a planted upward import.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'ground-imports-nothing-of-ours',
      comment: 'The ground layer (errors, PRNG, Storage port, run contract) imports only itself and packages.',
      severity: 'error',
      from: { path: '^lambdas/ground/' },
      to: { path: '^(lambdas|infra|bench|test)/', pathNot: '^lambdas/ground/' },
    },
    {
      name: 'storage-imports-only-ground',
      comment: 'Storage implementations know the port and the errors, nothing above.',
      severity: 'error',
      from: { path: '^lambdas/storage/' },
      to: { path: '^(lambdas|infra|bench|test)/', pathNot: '^lambdas/(ground|storage)/' },
    },
    {
      name: 'core-imports-no-edge',
      comment: 'The core (no AWS) imports nothing from handlers, cli, eval, report or infra.',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '^(lambdas/(handlers|cli|eval|report)/|infra/|bench/|test/)' },
    },
    {
      name: 'core-imports-no-storage-adapter',
      comment: 'The core talks to the Storage port (lambdas/ground/storage.ts) only; LocalStorage or S3 is handed in by the composition (lambdas/cli/local-runs.ts, handlers/commons/deps.ts).',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '^lambdas/storage/' },
    },
    {
      name: 'core-no-aws-sdk',
      severity: 'error',
      from: { path: '^lambdas/(ground|core)/' },
      to: { path: '@aws-sdk|@aws-lambda-powertools|aws-cdk-lib' },
    },
    {
      name: 'cli-imports-no-handler',
      comment: 'The CLI composes core and storage itself; handler modules are the cloud composition.',
      severity: 'error',
      from: { path: '^lambdas/cli/' },
      to: { path: '^lambdas/handlers/' },
    },
    {
      name: 'no-cycles-in-cli',
      comment: 'cli/main.ts and its commands share types through cli/command.ts, not through each other.',
      severity: 'error',
      from: { path: '^lambdas/cli/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
