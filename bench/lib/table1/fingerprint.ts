// What a cached figure depends on, hashed: the source of the code that produced it (every .ts file under the
// folders given), the tool and library versions, and the inputs' names, sizes and times. Re-running a benchmark
// after anyone edits lambdas/core/** (or the evaluator) therefore rebuilds exactly what the edit can change.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOL_VERSION } from '../../../lambdas/core/version.ts';
import { resolveFfmpeg } from '../../../lambdas/core/reel/ffmpeg.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** sha256 of a value's canonical JSON (object keys sorted), hex. */
export function keyOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

async function listSources(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') await listSources(p, out);
    } else if (e.isFile() && e.name.endsWith('.ts')) out.push(p);
  }
}

/** sha256 over the relative path and content of every .ts file below `dirs` (repo-relative), in sorted order. */
export async function sourceHash(dirs: string[], root = REPO_ROOT): Promise<{ sha256: string; files: number }> {
  const files: string[] = [];
  for (const d of dirs) await listSources(join(root, d), files);
  files.sort();
  const h = createHash('sha256');
  for (const f of files) h.update(relative(root, f)).update('\0').update(await readFile(f)).update('\0');
  return { sha256: h.digest('hex'), files: files.length };
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function packageVersion(name: string): string {
  try {
    // Read the file directly: packages with an "exports" map (sharp) refuse require('<name>/package.json').
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'absent';
  }
}

/** Everything a built variant (reel, restored frames, transformed test set) depends on besides its options and input. */
export interface BuildFingerprint {
  tool: string;
  /** lambdas/core and lambdas/storage sources */
  core: string;
  coreFiles: number;
  ffmpeg: string;
  packages: Record<string, string>;
}

export async function buildFingerprint(root = REPO_ROOT): Promise<BuildFingerprint> {
  const core = await sourceHash(['lambdas/core', 'lambdas/storage'], root);
  const ffmpeg = await resolveFfmpeg();
  return {
    tool: TOOL_VERSION,
    core: core.sha256,
    coreFiles: core.files,
    ffmpeg: `${ffmpeg.source}:${ffmpeg.version}`,
    packages: Object.fromEntries(['sharp', '@techstark/opencv-js', 'onnxruntime-node'].map((n) => [n, packageVersion(n)])),
  };
}

/** What an evaluation depends on besides its training and test images. */
export interface EvalFingerprint {
  eval: string;
  evalFiles: number;
  backbonePath: string;
  backboneSha256: string;
  onnxruntime: string;
  sharp: string;
}

export async function evalFingerprint(backbonePath: string, root = REPO_ROOT): Promise<EvalFingerprint> {
  const src = await sourceHash(['lambdas/eval'], root);
  return {
    eval: src.sha256,
    evalFiles: src.files,
    backbonePath,
    backboneSha256: await fileSha256(backbonePath),
    onnxruntime: packageVersion('onnxruntime-node'),
    sharp: packageVersion('sharp'),
  };
}

/** Names (as given), sizes and modification times of files (symlinks followed): cheap, and changes when they do. */
export async function filesIdentity(entries: { name: string; file: string }[]): Promise<string> {
  const parts: string[] = [];
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const s = await stat(e.file);
    parts.push(`${e.name}\0${s.size}\0${Math.round(s.mtimeMs)}`);
  }
  return keyOf(parts);
}
