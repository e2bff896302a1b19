// A spawned ffmpeg with what every caller needs: its exit as a promise, the tail of its stderr for error messages,
// and a kill that is safe to call twice. Encode, decode and probe all drive ffmpeg through this.
// A watchdog stops an ffmpeg that makes no progress (no output, no input consumed) for ADREEL_FFMPEG_STALL_SECONDS.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { onInterrupt } from '../interrupt.ts';

/** How many trailing stderr lines an error message quotes. */
const STDERR_TAIL_LINES = 12;
/** Upper bound on the stderr kept in memory (ffmpeg can be chatty on a corrupt stream). */
const STDERR_KEEP_CHARS = 16_384;

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** set when the watchdog stopped it: the seconds it went without progress */
  stalledSeconds?: number;
}

/** Default seconds without progress before ffmpeg is stopped as hung; x265 at a slow preset on a large frame takes seconds. */
export const DEFAULT_STALL_SECONDS = 300;

/** The watchdog's timeout: ADREEL_FFMPEG_STALL_SECONDS (a positive number), else the default. */
export function stallSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.ADREEL_FFMPEG_STALL_SECONDS;
  if (text === undefined || text === '') return DEFAULT_STALL_SECONDS;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) {
    throw new Error(`ADREEL_FFMPEG_STALL_SECONDS must be a positive number of seconds, got ${JSON.stringify(text)}`);
  }
  return value;
}

export interface FfmpegProcess {
  child: ChildProcess;
  /** Settles when the process has exited (never rejects: a spawn failure resolves with code null). */
  exited: Promise<FfmpegExit>;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  spawnError(): Error | undefined;
  /** The last lines ffmpeg wrote to stderr, trimmed, joined by newlines. */
  stderrTail(lines?: number): string;
  /** Everything kept of stderr (up to keepStderrChars, the most recent part). */
  stderrText(): string;
  /** SIGKILL the process if it is still running. */
  kill(): void;
  /** Tells the watchdog the process made progress (e.g. it consumed a frame written to its stdin). */
  touch(): void;
}

export function spawnFfmpeg(
  binary: string,
  args: string[],
  stdio: StdioOptions,
  keepStderrChars: number = STDERR_KEEP_CHARS,
): FfmpegProcess {
  const limitMs = stallSeconds() * 1000;
  const child = spawn(binary, args, { stdio, windowsHide: true });
  let stderr = '';
  let failedToSpawn: Error | undefined;
  let stalledSeconds: number | undefined;
  let lastProgress = Date.now();
  const touch = () => {
    lastProgress = Date.now();
  };
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const watchdog = setInterval(() => {
    const idle = Date.now() - lastProgress;
    if (idle >= limitMs && stalledSeconds === undefined) {
      stalledSeconds = Math.round(idle / 100) / 10;
      kill();
    }
  }, Math.max(50, Math.min(5_000, limitMs / 4)));
  watchdog.unref();
  const unregister = onInterrupt(kill);
  child.stdout?.on('data', touch);
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    touch();
    stderr += text;
    if (stderr.length > keepStderrChars) stderr = stderr.slice(-keepStderrChars);
  });
  const exited = new Promise<FfmpegExit>((resolve) => {
    child.on('error', (error) => {
      // Only a failed start matters here ('close' may never follow it); later errors, e.g. a failed kill of an
      // already exited process, change nothing about the exit.
      if (child.pid !== undefined) return;
      failedToSpawn = error;
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => resolve(stalledSeconds === undefined ? { code, signal } : { code, signal, stalledSeconds }));
  }).finally(() => {
    clearInterval(watchdog);
    unregister();
  });
  return {
    child,
    exited,
    spawnError: () => failedToSpawn,
    stderrText: () => stderr,
    stderrTail: (lines = STDERR_TAIL_LINES) =>
      stderr
        .split(/\r?\n|\r/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .slice(-lines)
        .join('\n'),
    kill,
    touch,
  };
}

/** "exit code 1" / "killed by SIGKILL" / "could not start: ..." for error messages. */
export function describeExit(exit: FfmpegExit, spawnError?: Error): string {
  if (spawnError) return `could not start ffmpeg: ${spawnError.message}`;
  if (exit.stalledSeconds !== undefined) {
    return `ffmpeg made no progress for ${exit.stalledSeconds} s and was stopped as hung (ADREEL_FFMPEG_STALL_SECONDS sets how long to wait)`;
  }
  if (exit.signal) return `ffmpeg was killed by ${exit.signal}`;
  return `ffmpeg exited with code ${exit.code}`;
}
