#!/usr/bin/env node
// Installed entry point: runs the TypeScript CLI through tsx's loader (a runtime dependency for this reason).
import { register } from 'tsx/esm/api';

register();
const { main, installSignalHandlers } = await import('../lambdas/cli/main.ts');
installSignalHandlers();
process.exitCode = await main(process.argv.slice(2));
