// End-to-end test of the demo app: builds it (vite build → demo/dist), serves demo/dist from a plain
// static server under a sub-path (so relative URLs are proven), and opens every page in headless
// Chromium (puppeteer-core, the system browser). Per page it checks that WebGPU ran, that the page
// finished its default run (`?quick`) and shows its result (the page's own checks, in
// test/e2e/checks/<page>.mjs), that nothing was logged as an error, and that no canvas is blank.
// It saves a screenshot per page under test/e2e/screenshots/ and prints where they are.
//
//   node test/e2e/run.mjs [PAGE…]       only the named pages
//   node test/e2e/run.mjs --no-build    reuse demo/dist
//   node test/e2e/run.mjs --full        open each page without its ?quick query (the default, longer run)
//   node test/e2e/run.mjs --thumbs      also write demo/public/thumbs/<page>.png (the index's thumbnails)
//                                       and docs/demo-dashboard.png (the README's picture of the demos)
//
// Prints one line per check, `e2e: N passed, M failed` and `E2E_RESULT {...}` for scripts/test.sh.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PAGES } from '../../demo/pages.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];
const SOFTWARE_FLAGS = ['--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];
const BASE = '/webgrad-demos/';
const SHOTS = join(root, 'test/e2e/screenshots');
const THUMBS = join(root, 'demo/public/thumbs');
// Console lines that are the browser's, not the page's: no favicon in a static build, and SwiftShader's notes.
const BENIGN = [/favicon\.ico/, /WebGPU is experimental on this platform/i, /powerPreference/];

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const thumbs = args.includes('--thumbs');
const full = args.includes('--full');
let passed = 0;
let failed = 0;
const line = (ok, name, detail) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
};
const finish = () => {
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  console.log(`E2E_RESULT ${JSON.stringify({ passed, failed })}`);
  process.exit(failed ? 1 : 0);
};

if (!args.includes('--no-build')) {
  if (!existsSync(join(root, 'dist/index.js'))) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) line(false, 'build', 'npm run build failed');
  }
  const t0 = Date.now();
  const v = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'demo/vite.config.mjs', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' });
  const ok = v.status === 0 && existsSync(join(root, 'demo/dist/index.html'));
  line(ok, 'demo: vite build → demo/dist', ok ? `${((Date.now() - t0) / 1000).toFixed(1)} s` : `${v.stdout}\n${v.stderr}`.slice(-3000));
  if (!ok) finish();
}

const MIME = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.jsonl': 'application/json' };
const dist = join(root, 'demo/dist');
const server = createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (!p.startsWith(BASE)) return res.writeHead(404).end();
  let file = normalize(join(dist, p.slice(BASE.length)));
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!(file === dist || file.startsWith(dist + sep)) || !existsSync(file)) return res.writeHead(404).end('not found');
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}${BASE}`;

const { default: puppeteer } = await import('puppeteer-core');
const launch = (flags) => puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: flags, protocolTimeout: 0 });
// A real GPU needs no extra flags; without one, Chromium finds an adapter only on SwiftShader.
let browser = await launch(FLAGS);
{
  const page = await browser.newPage();
  await page.goto(`${origin}index.html`);
  const has = await page.evaluate(async () => !!(navigator.gpu && (await navigator.gpu.requestAdapter())));
  await page.close();
  if (!has) {
    await browser.close();
    browser = await launch([...FLAGS, ...SOFTWARE_FLAGS]);
  }
}

// Every visible canvas must show something: the luminance variance of its pixels is not ~0.
const CANVAS_PROBE = () =>
  [...document.querySelectorAll('canvas')]
    .filter((c) => c.width * c.height > 0 && c.offsetParent !== null && !c.closest('[data-e2e-blank-ok]') && !c.hasAttribute('data-e2e-blank-ok'))
    .map((c) => {
      let ctx = null;
      try {
        ctx = c.getContext('2d');
      } catch {}
      if (!ctx) return { id: c.id || c.className, variance: null };
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < d.length; i += 4) {
        const l = d[i + 3] === 0 ? 255 : 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        s += l;
        s2 += l * l;
      }
      const n = d.length / 4;
      return { id: c.id || c.className || c.parentElement?.className, variance: s2 / n - (s / n) ** 2 };
    });

async function openPage(name, { path, query, timeoutMs }) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !BENIGN.some((re) => re.test(m.text() + (m.location()?.url ?? '')))) errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => !BENIGN.some((re) => re.test(r.url())) && errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && !BENIGN.some((re) => re.test(r.url())) && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  const t0 = Date.now();
  await page.goto(`${origin}${path}${query ?? ''}`, { waitUntil: 'load' });
  await page
    .waitForFunction(() => ['done', 'error', 'no-webgpu'].includes(window.__demo?.status), { timeout: timeoutMs, polling: 500 })
    .catch(() => {});
  const state = await page.evaluate(() => window.__demo ?? null);
  return { page, state, errors, seconds: (Date.now() - t0) / 1000 };
}

const pages = [{ path: '', title: 'index' }, ...PAGES].filter((p) => !only.length || only.includes(p.path || 'index'));
mkdirSync(SHOTS, { recursive: true });
for (const p of pages) {
  const name = p.path || 'index';
  const checksFile = join(root, 'test/e2e/checks', `${name}.mjs`);
  if (!existsSync(checksFile)) {
    line(false, `${name}: checks`, `test/e2e/checks/${name}.mjs is missing`);
    continue;
  }
  const spec = (await import(pathToFileURL(checksFile).href)).default;
  const { page, state, errors, seconds } = await openPage(name, { path: p.path ? `${p.path}/index.html` : 'index.html', query: full ? '' : spec.query, timeoutMs: full ? 1_200_000 : spec.timeoutMs ?? 120_000 });
  try {
    const where = `${seconds.toFixed(0)} s`;
    if (!state) line(false, `${name}: ran`, 'window.__demo was never set (the page script did not start)');
    else if (state.status !== 'done') line(false, `${name}: ran`, `status ${state.status} after ${where}${state.error ? `\n${state.error}` : ''}`);
    else line(true, `${name}: ran`, where);
    if (state && p.path) line(state.webgpu === true, `${name}: WebGPU`, state.webgpu ? `${state.adapter?.vendor ?? ''} ${state.adapter?.architecture ?? ''}${state.software ? ' (software)' : ''}`.trim() : 'the page did not get a WebGPU device');
    if (state?.status === 'done') {
      try {
        line(true, `${name}: result`, (await spec.check(state.result ?? {}, page)) ?? '');
      } catch (e) {
        line(false, `${name}: result`, `${e.message}\n  result: ${JSON.stringify(state.result).slice(0, 800)}`);
      }
    }
    line(errors.length === 0, `${name}: no console errors`, errors.slice(0, 5).join('\n  '));
    const canvases = await page.evaluate(CANVAS_PROBE);
    const blank = canvases.filter((c) => !(c.variance > 1));
    if (spec.canvases !== false) line(canvases.length > 0 && blank.length === 0, `${name}: canvases drawn`, canvases.length === 0 ? 'no visible canvas' : blank.length ? `blank: ${blank.map((c) => c.id).join(', ')}` : `${canvases.length} canvas(es)`);
    const shot = join(SHOTS, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    if (thumbs && p.path) {
      mkdirSync(THUMBS, { recursive: true });
      await page.setViewport({ width: 1200, height: 800, deviceScaleFactor: 0.3 });
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(join(THUMBS, `${name}.png`), await page.screenshot({ type: 'png' }));
      if (name === 'dashboard') {
        await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 0.6 });
        await new Promise((r) => setTimeout(r, 300));
        writeFileSync(join(root, 'docs/demo-dashboard.png'), await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: 1280, height: 1500 }, captureBeyondViewport: true }));
      }
    }
  } finally {
    await page.close();
  }
}
// Without WebGPU a page says so plainly, with how to enable it, instead of showing a blank canvas.
if (!only.length || only.includes('no-webgpu')) {
  const page = await browser.newPage();
  try {
    await page.evaluateOnNewDocument(() => {
      delete Navigator.prototype.gpu;
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}${PAGES[0].path}/index.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__demo?.status && window.__demo.status !== 'starting', { timeout: 30_000, polling: 200 }).catch(() => {});
    const seen = await page.evaluate(() => ({
      status: window.__demo?.status,
      text: document.querySelector('.no-webgpu')?.textContent ?? '',
      visibleCanvases: [...document.querySelectorAll('canvas')].filter((c) => c.offsetParent !== null).length,
    }));
    const ok = seen.status === 'no-webgpu' && /needs WebGPU/.test(seen.text) && /enable-unsafe-webgpu/.test(seen.text) && seen.visibleCanvases === 0 && errors.length === 0;
    line(ok, `${PAGES[0].path} without WebGPU: says so and how to enable it`, ok ? '' : JSON.stringify({ ...seen, errors }));
    await page.screenshot({ path: join(SHOTS, 'no-webgpu.png') });
  } finally {
    await page.close();
  }
}
console.log(`screenshots: ${SHOTS}/`);
await browser.close();
server.close();
finish();
