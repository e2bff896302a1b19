// The benchmarks' report: written next to the results (one self-contained HTML file), its path printed, and with
// --screenshot a full-page PNG of it, naming any console error the page raised. Shared by table1.ts and sweep.ts.
import { writeReport } from '../../../lambdas/report/render-report.ts';
import { screenshotReport } from '../chromium.ts';
import { benchReport, type SweepResults, type Table1Results } from './report-data.ts';

export async function writeBenchReport(reportPath: string, table1: Table1Results | undefined, sweep: SweepResults | undefined, screenshot?: string): Promise<void> {
  await writeReport(reportPath, await benchReport(table1, sweep));
  console.log(`report: ${reportPath}`);
  if (!screenshot) return;
  const problems = await screenshotReport(reportPath, screenshot);
  console.log(`screenshot: ${screenshot}${problems.consoleErrors.length ? ` (console errors: ${problems.consoleErrors.join('; ')})` : ''}`);
}
