// The hand-rolled argument walk of the benchmarks that take repeated or free-form flags (node:util parseArgs
// cannot express them): one item at a time, `value()` taking the next one.
export function walkArgs(argv: readonly string[], on: (arg: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    on(a, () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    });
  }
}

export function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${v}`);
  return n;
}
