// Turning CLI strings into checked values. Compress options come from the one table in core/compress/options.ts:
// this file only knows how a flag is spelled and how its text becomes a value; ranges and rules stay there.
import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { describeOptionIssues, flagName, OPTION_FLAGS, type FlagSpec, type OptionKey } from '../../core/compress/options.ts';
import { UsageError } from '../../ground/errors.ts';

type Values = Record<string, string | boolean | undefined>;

/** Decimal digits only: "", " 5", "0x1c", "1e1", "2.5", "-1" and "+3" are all refused (Number() takes most of them). */
const DECIMAL = /^[0-9]{1,15}$/;

/** The whole number a flag's text spells, refused unless it is plain decimal digits. */
export function strictInt(value: string, flag: string): number {
  if (!DECIMAL.test(value)) throw new UsageError(`${flag} expects a whole number (decimal digits), got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A command's own numeric flag (not a compress option): strict syntax, then its range. */
export function intOption(value: string | boolean | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' ? strictInt(value, flag) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The compress options that have a flag, in table order (optionally without some, e.g. the marker-less ones). */
export function flaggedOptions(exclude: readonly OptionKey[] = []): OptionKey[] {
  return (Object.keys(OPTION_FLAGS) as OptionKey[]).filter((k) => OPTION_FLAGS[k] !== null && !exclude.includes(k));
}

/** node:util parseArgs configuration for these options' flags. */
export function optionFlagConfig(keys: readonly OptionKey[]): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(keys.map((k) => {
    const f = OPTION_FLAGS[k]!;
    return [f.flag, { type: f.kind === 'set' ? 'boolean' : 'string' }] as const;
  }));
}

function usageOf(f: FlagSpec): string {
  switch (f.kind) {
    case 'int':
    case 'string':
      return `[--${f.flag} ${f.value}]`;
    case 'enum':
      return `[--${f.flag} ${f.values.join('|')}]`;
    case 'set':
      return `[--${f.flag}]`;
  }
}

/** "[--crf N] [--lossless] [--preset ultrafast|...] ..." for these options. */
export function optionUsage(keys: readonly OptionKey[]): string {
  return keys.map((k) => usageOf(OPTION_FLAGS[k]!)).join(' ');
}

/** The options the user gave (only those: everything else keeps its default), as schema input. */
export function optionsFromFlags(values: Values, keys: readonly OptionKey[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const f = OPTION_FLAGS[k]!;
    const v = values[f.flag];
    if (v === undefined || v === false) continue;
    if (f.kind === 'set') out[k] = f.to;
    else if (typeof v === 'string') out[k] = f.kind === 'int' ? strictInt(v, `--${f.flag}`) : v;
  }
  return out;
}

/** Flags -> options checked by `schema` (one of options.ts's); a refusal names the flags, in one UsageError. */
export function parseOptionFlags<S extends z.ZodType>(schema: S, values: Values, keys: readonly OptionKey[]): { input: Record<string, unknown>; options: z.output<S> } {
  const input = optionsFromFlags(values, keys);
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeOptionIssues(parsed.error, input, flagName));
  return { input, options: parsed.data };
}
