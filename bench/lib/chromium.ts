// Headless Debian Chromium driven by playwright-core (no bundled browser download): used by the report's browser
// test and to screenshot a real report. Resolves to a reason string instead of a browser when either is missing.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.ADREEL_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** undefined when Chromium and playwright-core are usable, else what is missing (tests pass it to `skip`). */
export async function chromiumMissing(): Promise<string | undefined> {
  if (!existsSync(CHROMIUM_PATH)) return `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set ADREEL_CHROMIUM)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install --save-dev playwright-core)';
  }
  return undefined;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  /** any request that is not the report itself or a data: URI (a self-contained report makes none) */
  externalRequests: string[];
}

/** Opens a local HTML file and records everything that would mean it is broken or not self-contained. */
export async function openReport(browser: Browser, file: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], externalRequests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => problems.pageErrors.push(err.message));
  page.on('request', (req) => {
    const u = req.url();
    if (u !== url && !u.startsWith('data:')) problems.externalRequests.push(u);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems };
}

/** A full-page PNG of a report (for the closing note of a benchmark run). */
export async function screenshotReport(file: string, pngPath: string): Promise<PageProblems> {
  const browser = await launchChromium();
  try {
    const { page, problems } = await openReport(browser, file);
    await page.screenshot({ path: pngPath, fullPage: true });
    return problems;
  } finally {
    await browser.close();
  }
}
