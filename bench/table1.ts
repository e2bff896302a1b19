// The paper's Table 1 on real MVTec screw, reproduced with adreel's own code and the PaDiM evaluator
// (PROTOCOL.md): nine variants built (cached), the test set transformed with each variant's own output, PaDiM
// over seeds; prints the table, writes results JSON and a self-contained HTML report, prints the report's path.
//
//   npm run bench:table1 -- [--quick] [--seeds 0,1,2] [--limit N] [--test-limit M] [--rows 0,1,7] [--jobs 2]
//                           [--cache DIR] [--data DIR] [--backbone PATH] [--out DIR] [--screenshot PNG]
//   --quick       one seed (0) instead of 0,1,2
//   --limit N     first N training images; --test-limit M: about M test images over the defect types (smoke runs)
//   --rows        only these rows (row 1 is needed for "% of #1")
//   --jobs        points measured at once, each in its own process (default 2: the machine's two cores)
//   --cache       cache folder (default .cache/table1; keys include options, inputs and a hash of the code)
//   --out         where results JSON and report go (default <cache>/results)
//   --screenshot  also save a full-page PNG of the report (headless Chromium)
//   --no-family   build every reel with its own compressFolder run (default: rows that share an alignment are built
//                 through --reuse-alignment, bench/lib/table1/family.ts: one alignment per group, the same bytes)
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../lambdas/report/html.ts';
import { writeJson } from './lib/table1/cache.ts';
import type { SweepResults, Table1Results, Table1Row } from './lib/table1/report-data.ts';
import { writeBenchReport } from './lib/table1/report-file.ts';
import { summarisePoint } from './lib/table1/results.ts';
import { runJobs } from './lib/table1/scheduler.ts';
import { familyPlan, openSession, parseSeeds, positiveInt, SESSION_FLAGS } from './lib/table1/session.ts';
import { formatStats } from './lib/table1/stats.ts';
import { TABLE1_ROWS } from './lib/table1/variants.ts';
import { readJson } from './lib/table1/cache.ts';
import { runMain } from './lib/run-main.ts';

const { values } = parseArgs({
  options: {
    ...SESSION_FLAGS,
    seeds: { type: 'string' },
    rows: { type: 'string' },
  },
});

/** Longest first, so the two workers finish together: aligned rows, then masked, then plain, then raw. */
const ORDER = [7, 3, 8, 4, 5, 1, 6, 2, 0];

async function main(): Promise<void> {
  const seeds = values.seeds ? parseSeeds(values.seeds) : values.quick ? [0] : [0, 1, 2];
  const rowsWanted = values.rows ? new Set(values.rows.split(',').map(Number)) : undefined;
  const session = await openSession({
    dataDir: values.data,
    cacheDir: values.cache,
    backbone: values.backbone,
    seeds,
    jobs: positiveInt(values.jobs, '--jobs') ?? 2,
    trainLimit: positiveInt(values.limit, '--limit'),
    testLimit: positiveInt(values['test-limit'], '--test-limit'),
  });
  try {
    const rows = ORDER.map((n) => TABLE1_ROWS.find((r) => r.row === n)!).filter((r) => !rowsWanted || rowsWanted.has(r.row));
    // Rows that share an alignment (3, 4, 7, 8; 1, 2; 5, 6) are built first, one family job per group, through
    // --reuse-alignment (bench/lib/table1/family.ts), two groups at a time; their points then find the reels in the
    // cache (a lock makes them wait if not).
    const { families: family, ordered, after } = familyPlan(session, rows, (r) => r.spec, !values['no-family']);
    const outcomes = await runJobs(
      session.codeRoot,
      [...family, ...ordered.map((r) => session.job(r.spec, r.transformsTest))],
      session.options.jobs,
      (line) => session.log(line),
      after,
    );
    const familyBuilt = new Set(outcomes.slice(0, family.length).flatMap((o) => (o.ok && o.result.kind === 'family' ? o.result.built : [])));
    const measured: Table1Row[] = [];
    outcomes.slice(family.length).forEach((o, i) => {
      if (o.ok && o.result.kind === 'point') measured.push({ ...summarisePoint(o.result), row: ordered[i].row, percentOfRow1: null });
    });
    measured.sort((a, b) => a.row - b.row);
    const row1 = measured.find((r) => r.row === 1);
    for (const r of measured) r.percentOfRow1 = row1 ? (100 * r.bytes) / row1.bytes : null;

    const results: Table1Results = { kind: 'table1', ...session.runInfo(outcomes), rows: measured };
    const outDir = values.out ?? join(session.cacheDir, 'results');
    const tag = seeds.length === 1 ? `seed${seeds[0]}` : `seeds${seeds.join('')}`;
    const subset = results.inputs.subset ? `-subset${results.inputs.trainCount}x${results.inputs.testCount}` : '';
    const jsonPath = join(outDir, `table1-${tag}${subset}.json`);
    await writeJson(jsonPath, results);

    console.log(`\nTable 1, MVTec screw (${results.inputs.trainCount} train / ${results.inputs.testCount} test), PaDiM R18, seeds ${seeds.join(',')} (mean (min..max)):`);
    console.log(['#', 'processing'.padEnd(56), 'reel bytes'.padStart(12), '% of #1'.padStart(8), 'image AUROC'.padEnd(26), 'pixel AUROC'.padEnd(26), 'build', 'eval'].join('  '));
    for (const r of measured) {
      console.log(
        [
          String(r.row),
          `${r.label} [${r.settings}]`.slice(0, 56).padEnd(56),
          String(r.bytes).padStart(12),
          (r.percentOfRow1 === null ? '' : r.percentOfRow1.toFixed(1)).padStart(8),
          formatStats(r.image).padEnd(26),
          formatStats(r.pixel).padEnd(26),
          familyBuilt.has(r.id) ? 'family' : r.cached.build ? 'cached' : `${r.seconds.build.toFixed(0)}s`,
          r.cached.eval ? 'cached' : `${r.seconds.eval.toFixed(0)}s`,
        ].join('  '),
      );
    }
    console.log('build/eval: seconds in this run; family = built by a family job of this run (--reuse-alignment); cached = reused from an earlier run');
    for (const f of results.failures) console.log(`FAILED ${f.id}: ${f.error}`);
    const evals = measured.filter((r) => r.evalSeconds);
    if (evals.length) {
      const e = evals.map((r) => r.evalSeconds!);
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(
        `evaluator (${evals.length} fresh runs, seeds per run as needed): total ${avg(e.map((x) => x.total)).toFixed(0)} s per variant ` +
          `(features ${avg(e.map((x) => x.features)).toFixed(0)} s, fit ${avg(e.map((x) => x.fitPerSeed)).toFixed(0)} s/seed, score ${avg(e.map((x) => x.scorePerSeed)).toFixed(0)} s/seed)`,
      );
    }
    console.log(
      `wall time ${(results.wallSeconds / 60).toFixed(1)} min (${results.jobs} workers, load ${results.machine.loadAverageAtStart.map((l) => l.toFixed(1)).join('/')} at start, ` +
        `${results.machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join('/')} at end)` +
        (results.cpuSeconds !== null ? `; CPU ${(results.cpuSeconds / 60).toFixed(1)} min in workers and their ffmpeg (>= ${(results.cpuSeconds / 120).toFixed(1)} min wall on an idle 2-core machine)` : ''),
    );
    console.log(`results: ${jsonPath}`);

    // The report also shows the latest sweep of the same inputs, when one has been run.
    const sweep = await readJson<SweepResults>(join(outDir, results.inputs.subset ? `sweep${subset}.json` : 'sweep.json'));
    const reportPath = join(outDir, `report-table1-${tag}${subset}.html`);
    await writeBenchReport(reportPath, results, sweep, values.screenshot);
    if (results.failures.length) process.exitCode = 1;
  } finally {
    await session.close();
  }
}

runMain(main);
