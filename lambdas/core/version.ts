// The tool version recorded in every manifest.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const TOOL_VERSION: string = pkg.version;
