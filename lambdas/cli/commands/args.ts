// Small helpers to turn CLI strings into checked values.
import { UsageError } from '../../ground/errors.ts';

export function intOption(value: string | boolean | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

export function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
