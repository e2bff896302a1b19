// A spawned ffmpeg with what every caller needs: its exit as a promise, the tail of its stderr for error messages,
// and a kill that is safe to call twice. Encode, decode and probe all drive ffmpeg through this.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** How many trailing stderr lines an error message quotes. */
const STDERR_TAIL_LINES = 12;
/** Upper bound on the stderr kept in memory (ffmpeg can be chatty on a corrupt stream). */
const STDERR_KEEP_CHARS = 16_384;

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
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
}

export function spawnFfmpeg(
  binary: string,
  args: string[],
  stdio: StdioOptions,
  keepStderrChars: number = STDERR_KEEP_CHARS,
): FfmpegProcess {
  const child = spawn(binary, args, { stdio, windowsHide: true });
  let stderr = '';
  let failedToSpawn: Error | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
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
    child.once('close', (code, signal) => resolve({ code, signal }));
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
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** "exit code 1" / "killed by SIGKILL" / "could not start: ..." for error messages. */
export function describeExit(exit: FfmpegExit, spawnError?: Error): string {
  if (spawnError) return `could not start ffmpeg: ${spawnError.message}`;
  if (exit.signal) return `ffmpeg was killed by ${exit.signal}`;
  return `ffmpeg exited with code ${exit.code}`;
}
