// Runs benchmark points in worker processes, at most `jobs` at a time, in the order given (put the longest first),
// forwarding their progress lines. A failed point is reported and the others carry on.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson } from './cache.ts';
import { REPO_ROOT } from './fingerprint.ts';
import type { VariantResult, WorkerJob } from './worker.ts';

const WORKER = join(REPO_ROOT, 'bench', 'lib', 'table1', 'worker.ts');

export type JobOutcome = { ok: true; result: VariantResult } | { ok: false; id: string; error: string };

function runWorker(jobFile: string, log: (line: string) => void): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', WORKER, jobFile], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
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
      if (buffered) log(buffered);
      resolve({ code: code ?? 1, tail: (tail + buffered).trim() });
    });
  });
}

export async function runJobs(jobs: Omit<WorkerJob, 'resultFile'>[], concurrency: number, log: (line: string) => void): Promise<JobOutcome[]> {
  const work = await mkdtemp(join(tmpdir(), 'adreel-bench-jobs-'));
  try {
    const outcomes: JobOutcome[] = new Array(jobs.length);
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < jobs.length; i = next++) {
        const resultFile = join(work, `result-${i}.json`);
        const jobFile = join(work, `job-${i}.json`);
        await writeFile(jobFile, JSON.stringify({ ...jobs[i], resultFile }));
        const { code, tail } = await runWorker(jobFile, log);
        const result = code === 0 ? await readJson<VariantResult>(resultFile) : undefined;
        outcomes[i] = result ? { ok: true, result } : { ok: false, id: jobs[i].spec.id, error: tail.split('\n').slice(-6).join('\n') };
        if (!result) log(`[${jobs[i].spec.id}] FAILED (exit ${code})`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, lane));
    return outcomes;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
