// Finds an ffmpeg that can encode HEVC with libx265. Three places, in order: $FFMPEG_PATH, the ffmpeg-static
// package (an optional dependency whose binary download often fails, so it may be missing or hollow), then PATH.
// A FFMPEG_PATH that is set must work: it is an explicit choice, so an unusable one is an error, never a silent
// fallback to another ffmpeg. Otherwise the first place that runs and lists libx265 wins; if none does, the error
// says what was wrong with each place.
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EncoderError } from '../../ground/errors.ts';

export type FfmpegSource = 'FFMPEG_PATH' | 'ffmpeg-static' | 'PATH';

export interface ResolvedFfmpeg {
  path: string;
  source: FfmpegSource;
  /** e.g. "5.1.9-0+deb12u1" */
  version: string;
  x265: boolean;
}

/** Where to look; injectable so tests can simulate each place without touching the real environment. */
export interface FfmpegLookup {
  env: NodeJS.ProcessEnv;
  /** The binary path ffmpeg-static reports; throws (with the reason) when the package is not usable. */
  ffmpegStaticPath: () => string;
}

/** A probe that hangs (e.g. a script waiting on stdin) must not hang the whole tool. */
const PROBE_TIMEOUT_MS = 15_000;

let cached: Promise<ResolvedFfmpeg> | undefined;

/** The ffmpeg adreel uses, resolved once per process. */
export function resolveFfmpeg(): Promise<ResolvedFfmpeg> {
  if (!cached) {
    cached = locateFfmpeg();
    // A failed lookup is not cached: the user may fix FFMPEG_PATH and retry in the same process.
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

/** Forget the resolved ffmpeg (tests change FFMPEG_PATH / PATH between cases). */
export function resetFfmpegCache(): void {
  cached = undefined;
}

export function defaultFfmpegLookup(): FfmpegLookup {
  return { env: process.env, ffmpegStaticPath: ffmpegStaticBinary };
}

/** Uncached resolution; see resolveFfmpeg. */
export async function locateFfmpeg(lookup: FfmpegLookup = defaultFfmpegLookup()): Promise<ResolvedFfmpeg> {
  const problems: string[] = [];

  const fromEnv = lookup.env.FFMPEG_PATH;
  if (fromEnv) {
    const verdict = await checkCandidate(fromEnv);
    if (verdict.ok) return { path: fromEnv, source: 'FFMPEG_PATH', version: verdict.version, x265: true };
    throw new EncoderError(
      `FFMPEG_PATH=${fromEnv}: ${verdict.problem}. Point FFMPEG_PATH at an ffmpeg with libx265, or unset it to use ffmpeg-static or the ffmpeg on PATH.`,
    );
  }
  problems.push('FFMPEG_PATH: not set');

  let staticBinary: string | undefined;
  try {
    staticBinary = lookup.ffmpegStaticPath();
  } catch (error) {
    problems.push(`ffmpeg-static: ${(error as Error).message}`);
  }
  if (staticBinary !== undefined) {
    const verdict = await checkCandidate(staticBinary);
    if (verdict.ok) return { path: staticBinary, source: 'ffmpeg-static', version: verdict.version, x265: true };
    problems.push(`ffmpeg-static (${staticBinary}): ${verdict.problem}`);
  }

  const onPath = await findOnPath('ffmpeg', lookup.env.PATH ?? '');
  if (onPath) {
    const verdict = await checkCandidate(onPath);
    if (verdict.ok) return { path: onPath, source: 'PATH', version: verdict.version, x265: true };
    problems.push(`PATH (${onPath}): ${verdict.problem}`);
  } else {
    problems.push(`PATH: no executable "ffmpeg" in ${lookup.env.PATH ? `"${lookup.env.PATH}"` : 'an empty PATH'}`);
  }

  throw new EncoderError(
    `no usable ffmpeg with the libx265 encoder was found. Looked in:\n  - ${problems.join('\n  - ')}\n` +
      'Install ffmpeg with libx265 (Debian: apt-get install ffmpeg) or point FFMPEG_PATH at one.',
  );
}

/** ffmpeg-static exports the binary path (or null on an unsupported platform); its postinstall download may have failed. */
function ffmpegStaticBinary(): string {
  let reported: unknown;
  try {
    reported = createRequire(import.meta.url)('ffmpeg-static');
  } catch {
    throw new Error('package not installed');
  }
  if (typeof reported !== 'string' || reported.length === 0) {
    throw new Error(`package installed but reports no binary for ${process.platform}-${process.arch}`);
  }
  return reported;
}

type Verdict = { ok: true; version: string } | { ok: false; problem: string };

async function checkCandidate(binary: string): Promise<Verdict> {
  try {
    const info = await stat(binary);
    if (!info.isFile()) return { ok: false, problem: 'not a regular file' };
  } catch (error) {
    // A bare command name (FFMPEG_PATH=ffmpeg) is allowed: only complain when it looks like a path.
    if (binary.includes('/') || binary.includes('\\')) {
      return { ok: false, problem: `file does not exist (${(error as NodeJS.ErrnoException).code ?? 'stat failed'})` };
    }
  }
  const versionRun = await run(binary, ['-hide_banner', '-version']);
  if (!versionRun.ok) return { ok: false, problem: versionRun.problem };
  const version = /ffmpeg version (\S+)/.exec(versionRun.stdout)?.[1];
  if (!version) return { ok: false, problem: `does not look like ffmpeg ("-version" printed: ${firstLine(versionRun.stdout)})` };
  const encodersRun = await run(binary, ['-hide_banner', '-encoders']);
  if (!encodersRun.ok) return { ok: false, problem: `"-encoders" failed: ${encodersRun.problem}` };
  if (!/^\s*V\S*\s+libx265\s/m.test(encodersRun.stdout)) {
    return { ok: false, problem: `ffmpeg ${version} runs but does not list the libx265 encoder` };
  }
  return { ok: true, version };
}

type RunResult = { ok: true; stdout: string } | { ok: false; problem: string };

function run(binary: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 8 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, stdout });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, problem: 'not found' });
      if (code === 'EACCES') return resolve({ ok: false, problem: 'not executable (permission denied)' });
      if (error.killed) return resolve({ ok: false, problem: `did not answer within ${PROBE_TIMEOUT_MS / 1000} s` });
      const said = firstLine(stderr) || firstLine(stdout);
      resolve({ ok: false, problem: `failed to run (${code ?? error.message})${said ? `: ${said}` : ''}` });
    });
  });
}

async function findOnPath(command: string, searchPath: string): Promise<string | undefined> {
  const names = process.platform === 'win32' ? [`${command}.exe`, command] : [command];
  for (const directory of searchPath.split(path.delimiter)) {
    if (!directory) continue;
    for (const name of names) {
      const candidate = path.join(directory, name);
      try {
        await access(candidate, fsConstants.X_OK);
        if ((await stat(candidate)).isFile()) return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).find((line) => line.trim().length > 0)?.trim() ?? '';
}
