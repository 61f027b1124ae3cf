// Opens the benchmark page in headless Chromium (puppeteer-core, the system browser; nothing is
// downloaded) and returns the page's harness as an api of async functions for driver.mjs.
import { existsSync } from 'node:fs';
import { serve } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const BASE_FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// Without a GPU, Chromium finds no WebGPU adapter unless told to use SwiftShader (software Vulkan).
export const SOFTWARE_FLAGS = ['--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

/**
 * software: 'auto' (try the default adapter, fall back to SwiftShader when there is none), true, false.
 * Resolves with { api, adapter, browser, loadErrors, close }.
 */
export async function openBench({ root, engines = ['webgrad', 'tfjs', 'jax-js'], size = 'full', software = 'auto', fusion = true, sweep = null, log = () => {} }) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  const { default: puppeteer } = await import('puppeteer-core');
  const server = await serve(root);
  const url = `${server.url}/bench/page.html?engines=${encodeURIComponent(engines.join(','))}&size=${size}${fusion ? '' : '&fusion=0'}${sweep ? `&sweep=${sweep}` : ''}`;

  const attempt = async (flags) => {
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: flags, protocolTimeout: 3_600_000 });
    try {
      const page = await browser.newPage();
      const consoleLines = [];
      page.on('console', (m) => {
        const t = `${m.type()}: ${m.text()}`;
        consoleLines.push(t);
        if (m.type() === 'error' || m.type() === 'warn') log(`  [page ${t.slice(0, 400)}]`);
      });
      page.on('pageerror', (e) => log(`  [page error: ${String(e.message ?? e).slice(0, 400)}]`));
      page.on('requestfailed', (r) => log(`  [request failed: ${r.url()}]`));
      page.on('response', (r) => r.status() >= 400 && log(`  [HTTP ${r.status()}: ${r.url()}]`));
      await page.goto(url);
      await page.waitForFunction(() => window.__ready === true, { timeout: 120_000 }).catch(() => {
        throw new Error(`the benchmark page did not load:\n${consoleLines.slice(-20).join('\n')}`);
      });
      const adapter = await page.evaluate(() => window.__bench.adapterInfo());
      return { browser, page, adapter, flags };
    } catch (e) {
      await browser.close();
      throw e;
    }
  };

  let s;
  try {
    if (software === true) s = await attempt([...BASE_FLAGS, ...SOFTWARE_FLAGS]);
    else {
      s = await attempt(BASE_FLAGS);
      if (s.adapter.error && software === 'auto') {
        log(`no WebGPU adapter with the default flags (${s.adapter.error}); relaunching on SwiftShader`);
        await s.browser.close();
        s = await attempt([...BASE_FLAGS, ...SOFTWARE_FLAGS]);
      }
    }
  } catch (e) {
    await server.close();
    throw e;
  }
  const { browser, page, adapter, flags } = s;
  const ev = (method) => (...args) => page.evaluate((m, a) => window.__bench[m](...a), method, args);
  const api = { init: ev('init'), workloads: ev('workloads'), prepare: ev('prepare'), check: ev('check'), time: ev('time'), free: ev('free') };
  const loadErrors = await page.evaluate(() => window.__bench.loadErrors);
  const userAgent = await page.evaluate(() => window.__bench.userAgent);
  return {
    api,
    adapter,
    loadErrors,
    browser: { version: await browser.version(), userAgent, executable: CHROMIUM, flags, headless: true },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}
