// Screenshot of a run's report.html for the README: headless Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium) through playwright-core, the top of the page (title, run table, curves, confusion
// matrix) as a PNG.
//   node scripts/screenshot-report.mjs runs/<run>/report.html [docs/report.png] [--height 1000]
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { height: { type: 'string', default: '880' }, width: { type: 'string', default: '1200' } } });
const [report, out = 'docs/report.png'] = positionals;
if (!report || !existsSync(report)) {
  console.error('usage: node scripts/screenshot-report.mjs runs/<run>/report.html [docs/report.png] [--height PX] [--width PX]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath}; install chromium or set CHROMIUM_PATH`);
  process.exit(1);
}
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: Number(values.width), height: Number(values.height) }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.waitForFunction(() => window.__reportReady === true, null, { timeout: 30_000 });
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${out} (${Math.round(statSync(out).size / 1024)} KB)`);
} finally {
  await browser.close();
}
