// A benchmark's entry point: a failure prints its stack (benchmarks are developer tools) and sets the exit code.
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
