// The shape of one CLI command; main.ts registers them. Its own module so the commands and main.ts do not import
// each other.
import type { ParseArgsConfig } from 'node:util';

export interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: number;
  run(positionals: string[], values: Record<string, string | boolean | undefined>): Promise<number>;
}
