// Shared checks of the safety suite (test/safety): run the CLI (in-process, its output captured; or as a child
// process when a test needs signals), snapshot a folder's files by sha256 and assert it unchanged, list what is
// visible, and the suite's fixture (generated images, optionally compressed once).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../lambdas/core/hash.ts';
import { main } from '../../lambdas/cli/main.ts';
import { tempDir, writeSyntheticFolder } from './synthetic-folder.ts';

/** The cheapest encode: the safety cases are about files, not quality. */
export const FAST = ['--preset', 'ultrafast', '--threads', '1', '--quiet'];

export interface SafetyFixture {
  root: string;
  /** root/in: 4 generated 128 px images */
  input: string;
  /** root/out: `compress in out` with `compressArgs` (absent when none were given) */
  out: string;
  /** input's files by sha256, before any case ran */
  inputSnap: Map<string, string>;
}

/** A fresh temporary root holding the generated input and, with `compressArgs`, its compressed output. */
export async function safetyFixture(prefix: string, compressArgs?: string[]): Promise<SafetyFixture> {
  const root = await tempDir(prefix);
  const input = join(root, 'in');
  const out = join(root, 'out');
  await writeSyntheticFolder(input, { count: 4, size: 128, seed: 3, kind: 'asymmetric' });
  const inputSnap = await snapshot(input);
  if (compressArgs) {
    const r = await runCli(['compress', input, out, ...compressArgs]);
    assert.equal(r.code, 0, r.stderr);
  }
  return { root, input, out, inputSnap };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `adreel <args>` in this process with console output captured. */
export async function runCli(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, write: process.stderr.write };
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map((x) => (x instanceof Error ? `${x.stack}` : String(x))).join(' '));
  console.warn = console.error;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error, warn: saved.warn });
    process.stderr.write = saved.write;
  }
}

export const CLI = join(import.meta.dirname, '..', '..', 'lambdas', 'cli', 'main.ts');

/** Starts `adreel <args>` as a child process (node --import tsx), for signals and real process exits. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

/** Every file (and symlink) below `dir`, by relative path: sha256 of its bytes, or "-> target" for a link. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = join(dir, r);
      if (e.isSymbolicLink()) out.set(r, `-> ${await readlink(full)}`);
      else if (e.isDirectory()) {
        out.set(`${r}/`, 'dir');
        await walk(r);
      } else out.set(r, sha256(await readFile(full)));
    }
  };
  await walk('');
  return out;
}

export async function assertUnchanged(dir: string, before: Map<string, string>): Promise<void> {
  assert.deepEqual(await snapshot(dir), before, `${dir} changed`);
}

/** Names in `parent` that start with `name` (so hidden staging or partial siblings count), hidden ones included. */
export async function visibleEntries(parent: string, name: string): Promise<string[]> {
  const all = await readdir(parent).catch(() => [] as string[]);
  // the record of what a restore/transform wrote is meant to stay beside its destination
  return all.filter((n) => (n === name || n.startsWith(`${name}.`) || n.startsWith(`.${name}`)) && !n.endsWith('.adreel-written.json')).sort();
}

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(() => true, () => false);
}

/** A stderr without a Node stack trace. */
export function assertNoStack(text: string): void {
  assert.equal(/\n\s+at .+:\d+:\d+/.test(text), false, `stack trace in:\n${text}`);
}
