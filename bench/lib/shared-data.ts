// Where ../shared lives (override with ADREEL_SHARED), and the real-data folders benchmarks and tests read in place.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDir(): string {
  return process.env.ADREEL_SHARED ? resolve(process.env.ADREEL_SHARED) : join(repoRoot, '..', 'shared');
}

export function screwDir(): string {
  return join(sharedDir(), 'data', 'mvtec-screw');
}

/** undefined when present, else a sentence saying what is missing (tests pass it to `skip`). */
export function screwMissing(): string | undefined {
  const dir = join(screwDir(), 'train', 'good');
  return existsSync(dir) ? undefined : `real screw data not found at ${dir} (set ADREEL_SHARED to the shared folder)`;
}

export function bottleDir(): string {
  return join(sharedDir(), 'data', 'mvtec-bottle-384');
}

/** undefined when present, else a sentence saying what is missing (tests pass it to `skip`). */
export function bottleMissing(): string | undefined {
  const dir = join(bottleDir(), 'train', 'good');
  return existsSync(dir) ? undefined : `real bottle data not found at ${dir} (set ADREEL_SHARED to the shared folder)`;
}
