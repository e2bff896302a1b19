#!/usr/bin/env node
// Installed entry point: runs the TypeScript CLI through tsx's loader (a runtime dependency for this reason).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lambdas/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
