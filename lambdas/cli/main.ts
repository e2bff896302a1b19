#!/usr/bin/env node
// adreel command line: compress, restore, transform, verify, inspect, eval, upload, demo.
// Exit codes: 0 success, 1 failure (bad input, damaged output, encoder error), 2 usage error, 130/143 interrupted.
// Errors are one line naming the file and the reason; `--debug` (any command) adds the stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AdreelError, UsageError } from '../ground/errors.ts';
import { MODEL_ENV_VAR } from '../core/segment/auto.ts';
import { runInterruptCleanups } from '../core/interrupt.ts';
import { fsError } from '../core/output-safety.ts';
import type { Command } from './command.ts';
import { runCompress } from './commands/compress.ts';
import { runDemo } from './commands/demo.ts';
import { runEval } from './commands/eval.ts';
import { runInspect } from './commands/inspect.ts';
import { runRestore } from './commands/restore.ts';
import { runTransform } from './commands/transform.ts';
import { runUpload } from './commands/upload.ts';
import { runVerify } from './commands/verify.ts';


const COMMANDS: Record<string, Command> = {
  compress: runCompress,
  restore: runRestore,
  transform: runTransform,
  verify: runVerify,
  inspect: runInspect,
  eval: runEval,
  upload: runUpload,
  demo: runDemo,
};

function help(): string {
  return ['usage: adreel <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');
}

export async function main(argvIn: string[]): Promise<number> {
  const debug = argvIn.includes('--debug');
  const argv = argvIn.filter((a) => a !== '--debug');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`adreel: unknown command "${name}"\n${help()}`);
    return 2;
  }
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (parsed.values.help) {
      console.log(`usage: adreel ${command.usage}`);
      return 0;
    }
    if (parsed.positionals.length !== command.positionals) {
      throw new UsageError(`expected ${command.positionals} argument(s), got ${parsed.positionals.length}`);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    // the model's environment fallback is read here, once, and passed down as a parameter (the core reads no env)
    if ('model' in command.options && values.model === undefined && process.env[MODEL_ENV_VAR]) values.model = process.env[MODEL_ENV_VAR];
    return await command.run(parsed.positionals, values);
  } catch (err) {
    const stack = debug && err instanceof Error ? `\n${err.stack}` : '';
    if (err instanceof UsageError) {
      console.error(`adreel ${name}: ${err.message}\nusage: adreel ${command.usage}${stack}`);
      return 2;
    }
    // a file-system error that escaped the stages still gets one line with its path and what to do
    const known = err instanceof AdreelError ? err : fsError(err, '', 'file system error');
    if (known instanceof AdreelError) {
      console.error(`adreel ${name}: error: ${known.message}${stack}`);
      return 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`adreel ${name}: unexpected error: ${message}${stack || ' (run with --debug for the stack trace)'}`);
    return 1;
  }
}

/** SIGINT/SIGTERM: undo what the run staged, locked or spawned, say so in one line, exit 130/143. */
export function installSignalHandlers(): void {
  let stopping = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void runInterruptCleanups().then(({ count, destinations }) => {
        const of = destinations.length > 0 ? ` of ${destinations.join(', ')}` : '';
        process.stderr.write(
          `adreel: interrupted by ${signal}; ${count > 0 ? `removed the partial output${of}, nothing was published; run the command again to write it` : 'nothing was written'}\n`,
        );
        process.exit(code);
      });
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli/main.ts')) {
  installSignalHandlers();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
