// Peak memory per stage of a run: this process's RSS and its children's (the ffmpeg encoders and decoders) sampled
// every `intervalMs`, attributed to the stage named by the last mark(); plus the process's maxRSS
// (process.resourceUsage().maxRSS, a high-water mark since the process started) at the end of each stage.
import { readdirSync, readFileSync } from 'node:fs';

export interface StageMemory {
  /** highest RSS of this process sampled during the stage, MiB */
  peakRssMb: number;
  /** highest summed RSS of this process's children (ffmpeg) sampled during the stage, MiB */
  peakChildRssMb: number;
  /** process.resourceUsage().maxRSS when the stage ended, MiB (monotonic over the run) */
  maxRssMb: number;
}

export interface MemorySampler {
  mark(stage: string): void;
  stop(): { stages: Record<string, StageMemory>; maxRssMb: number };
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** Summed VmRSS of the processes whose parent is this one (Linux /proc; 0 elsewhere). */
export function childrenRssBytes(): number {
  let total = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // the process ended between listing and reading
    }
  }
  return total;
}

export function startMemorySampler(firstStage = 'start', intervalMs = 100): MemorySampler {
  const stages: Record<string, StageMemory> = {};
  let current = firstStage;
  const entry = (s: string) => (stages[s] ??= { peakRssMb: 0, peakChildRssMb: 0, maxRssMb: 0 });
  const sample = () => {
    const e = entry(current);
    e.peakRssMb = Math.max(e.peakRssMb, mb(process.memoryUsage.rss()));
    e.peakChildRssMb = Math.max(e.peakChildRssMb, mb(childrenRssBytes()));
  };
  const close = () => {
    sample();
    entry(current).maxRssMb = mb(process.resourceUsage().maxRSS * 1024);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    mark(stage) {
      if (stage === current) return;
      close();
      current = stage;
      sample();
    },
    stop() {
      close();
      clearInterval(timer);
      return { stages, maxRssMb: mb(process.resourceUsage().maxRSS * 1024) };
    },
  };
}

/** compressFolder's progress stage names -> the keys of its `seconds`. */
export function stageOfProgress(progressStage: string): string {
  if (progressStage.startsWith('align') || progressStage === 'prepare') return 'align';
  if (progressStage.startsWith('union')) return 'union';
  if (progressStage.startsWith('encode')) return 'encode';
  if (progressStage.startsWith('verify')) return 'verify';
  return progressStage;
}
