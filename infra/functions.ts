// The zip functions: one NodejsFunction per handler, bundled locally by esbuild (never in Docker), ESM, Node 22.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { EXTERNAL_MODULES } from './native-modules.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface HandlerFunctionProps {
  /** file name in lambdas/handlers/, without .ts */
  handler: string;
  memoryMb: number;
  timeout: Duration;
  environment: Record<string, string>;
}

export function handlerFunction(scope: Construct, id: string, p: HandlerFunctionProps): NodejsFunction {
  const entry = join(REPO_ROOT, 'lambdas', 'handlers', `${p.handler}.ts`);
  return new NodejsFunction(scope, id, {
    entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.X86_64,
    memorySize: p.memoryMb,
    timeout: p.timeout,
    tracing: Tracing.ACTIVE,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    projectRoot: REPO_ROOT,
    environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: `adreel-${p.handler}`, ...p.environment },
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: true,
      // ESM bundles of CommonJS dependencies need a `require`
      banner: "import { createRequire as __adreelCreateRequire } from 'node:module'; const require = __adreelCreateRequire(import.meta.url);",
      mainFields: ['module', 'main'],
      // every native package stays external; after bundling, only those this bundle imports are copied beside it
      externalModules: EXTERNAL_MODULES,
      metafile: true,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_input: string, outputDir: string) => [
          `cd "${REPO_ROOT}" && node --import tsx infra/copy-native-modules.ts "${REPO_ROOT}" "${outputDir}"`,
        ],
      },
    },
  });
}
