// Runs benchmark points in worker processes, at most `jobs` at a time, in the order given (put the longest first),
// forwarding their progress lines. A failed point is reported and the others carry on.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson } from './cache.ts';
import type { WorkerJob, WorkerResult } from './worker.ts';

/** Children still running, killed with us (an interrupted run must not leave workers encoding for minutes). */
const running = new Set<ChildProcess>();

/** While jobs run (not on import): SIGINT / SIGTERM kill the workers, then exit. Returns the removal. */
function killWorkersOnSignal(): () => void {
  const onSignal = () => {
    for (const child of running) child.kill('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export type JobOutcome = { ok: true; result: WorkerResult } | { ok: false; id: string; error: string };

/** Distributes Omit over the union, so each job kind keeps its own fields. */
export type JobSpec = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'resultFile'> : never) : never;

function jobId(job: JobSpec): string {
  return job.kind === 'point' ? job.spec.id : job.id;
}

function runWorker(codeRoot: string, jobFile: string, log: (line: string) => void): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    const worker = join(codeRoot, 'bench', 'lib', 'table1', 'worker.ts');
    const proc = spawn(process.execPath, ['--import', 'tsx', worker, jobFile], { cwd: codeRoot, stdio: ['ignore', 'inherit', 'pipe'] });
    running.add(proc);
    let buffered = '';
    let tail = '';
    proc.stderr.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) {
        log(l);
        tail = (tail + '\n' + l).slice(-2000);
      }
    });
    proc.on('close', (code) => {
      running.delete(proc);
      if (buffered) log(buffered);
      resolve({ code: code ?? 1, tail: (tail + buffered).trim() });
    });
  });
}

/**
 * Runs every job with the code frozen at `codeRoot` (see session.ts), at most `concurrency` at once, in the order
 * given, except that a job naming another in `after` starts only once that one has ended (a point waits for the
 * family that builds its reel, instead of building it again; it still builds it itself if the family failed).
 */
export async function runJobs(
  codeRoot: string,
  jobs: JobSpec[],
  concurrency: number,
  log: (line: string) => void,
  after: (string | undefined)[] = [],
): Promise<JobOutcome[]> {
  const work = await mkdtemp(join(tmpdir(), 'adreel-bench-jobs-'));
  const removeSignalHandlers = killWorkersOnSignal();
  try {
    const outcomes: JobOutcome[] = new Array(jobs.length);
    const started = new Array<boolean>(jobs.length).fill(false);
    const ended = new Set<string>();
    let wake = () => {};
    let woken = new Promise<void>((r) => (wake = r));
    const notify = () => {
      const w = wake;
      woken = new Promise<void>((r) => (wake = r));
      w();
    };
    const lane = async () => {
      for (;;) {
        const i = jobs.findIndex((_, k) => !started[k] && (!after[k] || ended.has(after[k]!)));
        if (i < 0) {
          if (started.every(Boolean)) return;
          await woken; // something still running will unblock a waiting job
          continue;
        }
        started[i] = true;
        const resultFile = join(work, `result-${i}.json`);
        const jobFile = join(work, `job-${i}.json`);
        await writeFile(jobFile, JSON.stringify({ ...jobs[i], resultFile }));
        const { code, tail } = await runWorker(codeRoot, jobFile, log);
        const result = code === 0 ? await readJson<WorkerResult>(resultFile) : undefined;
        outcomes[i] = result ? { ok: true, result } : { ok: false, id: jobId(jobs[i]), error: tail.split('\n').slice(-6).join('\n') };
        if (!result) log(`[${jobId(jobs[i])}] FAILED (exit ${code})`);
        ended.add(jobId(jobs[i]));
        notify();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, lane));
    return outcomes;
  } finally {
    removeSignalHandlers();
    await rm(work, { recursive: true, force: true });
  }
}
