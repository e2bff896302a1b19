// Repetition in the repository's TypeScript, measured with jscpd (settings in .jscpd.json): prints the duplicated-line
// count and the largest duplicated blocks.   npm run -s dup [-- --top N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

interface Place {
  name: string;
  start: number;
  end: number;
}
interface Report {
  duplicates: { lines: number; tokens: number; firstFile: Place; secondFile: Place }[];
  statistics: { total: { clones: number; duplicatedLines: number; lines: number; percentage: number; sources: number } };
}

const { values } = parseArgs({ options: { top: { type: 'string', default: '10' } } });
const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'adreel-jscpd-'));
try {
  const run = spawnSync(join(root, 'node_modules', '.bin', 'jscpd'), ['--config', join(root, '.jscpd.json'), '--output', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`jscpd exited with ${run.status}`);
  const report = JSON.parse(readFileSync(join(out, 'jscpd-report.json'), 'utf8')) as Report;
  const t = report.statistics.total;
  console.log(`duplicated lines: ${t.duplicatedLines} of ${t.lines} (${t.percentage.toFixed(2)}%) in ${t.clones} clones over ${t.sources} files`);
  const where = (p: Place) => `${relative(root, p.name)}:${p.start}-${p.end}`;
  const largest = [...report.duplicates].sort((a, b) => b.lines - a.lines || b.tokens - a.tokens).slice(0, Number(values.top));
  for (const d of largest) console.log(`  ${String(d.lines).padStart(4)} lines  ${where(d.firstFile)}  =  ${where(d.secondFile)}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
