// Build check: after `npm run build`, the package in dist/ must work without a bundler in every runtime.
//   node test/build/check.mjs
// Checks: (1) dist holds the shaders embedded (shaders.gen.js equals shaders/*.wgsl); (2) Node imports
// 'webgrad' through package.json "exports", computes, and its process exits by itself (else: whether
// it does after wg.destroy()); (3) headless Chromium loads /dist/index.js as a plain ES module from a
// local HTTP server; (4) Deno (--unstable-webgpu) loads dist/index.js; (5) `node demo/train.mjs`
// (the README's training example) learns XOR, and the README shows its code verbatim; (6) the demo
// pages are test/e2e/run.mjs's (its own stage of npm test); (7) Node's init() keeps
// libwayland's and Dawn's benign start-up messages off the terminal, and shows them with {verbose: true};
// (8) `webgrad train` on the synthetic set writes its run folder and JSON summary, `webgrad eval`
// reproduces the test accuracy from the saved model, Chromium renders the run's report.html offline, and
// --runtime chrome / deno train the same model as Node; the same on a 512-digit MNIST subset; (9) a strict TypeScript consumer
// (test/build/ts-consumer, skipLibCheck false) typechecks against dist/'s .d.ts files. Prints one line per
// check, `build: N passed, M failed` and `BUILD_RESULT {...}` for scripts/test.sh; exits 1 on any failure.
// `node test/build/check.mjs WORD…` runs only the checks whose name contains a WORD.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findDeno } from '../../scripts/find-deno.mjs';
import { expected } from './consumer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// Without a GPU, Chromium needs to be told to run WebGPU on SwiftShader (as vitest.config.ts does).
const CHROMIUM_SOFTWARE_ARGS = ['--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

let passed = 0;
let failed = 0;
const notes = [];

const only = process.argv.slice(2);

async function check(name, fn) {
  if (only.length && !only.some((w) => name.includes(w))) return;
  const t0 = performance.now();
  try {
    const detail = await fn();
    passed++;
    console.log(`ok    ${name} (${(performance.now() - t0).toFixed(0)} ms)${detail ? ': ' + detail : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}: ${String(e?.message ?? e).split('\n').join('\n      ')}`);
  }
}

function verify(result, where) {
  if (!result) throw new Error(`${where} printed no RESULT line`);
  if (result.error) throw new Error(`${where}: ${result.error}`);
  if (result.problems?.length) throw new Error(`${where}: ${result.problems.join('; ')}`);
  if (JSON.stringify(result.transpose) !== JSON.stringify(expected.transpose)) throw new Error(`${where}: wrong result ${JSON.stringify(result.transpose)}`);
  if (result.readme?.status === 'failed') throw new Error(`${where}: the README example failed: ${result.readme.detail}`);
  if (result.readme?.status === 'not-yet') notes.push(`${where}: README example not runnable yet (${result.readme.detail})`);
  if (result.doctor && !result.doctor.ok) notes.push(`${where}: the doctor reports problems: ${result.doctor.summary}`);
  return `${result.runtime} on ${result.adapter}${result.software ? ' (software)' : ''}; README example: ${result.readme?.status}; doctor: ${result.doctor?.summary}`;
}

/** Runs a command; resolves with its output, exit code and whether it exited within `exitWithinMs` of its RESULT line. */
function runChild(cmd, args, { env = process.env, timeoutMs = 120_000, exitWithinMs = 20_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let result = null;
    let resultAt = 0;
    let hung = false;
    const finish = (code) => {
      clearTimeout(total);
      clearInterval(poll);
      resolve({ code, out, err, result, hung, exitedAfterMs: resultAt ? performance.now() - resultAt : null });
    };
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^RESULT (.*)$/m);
      if (m && !result) {
        result = JSON.parse(m[1]);
        resultAt = performance.now();
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => finish(code ?? signal));
    const total = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const poll = setInterval(() => {
      if (resultAt && performance.now() - resultAt > exitWithinMs) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 250);
  });
}

const tail = (s, n = 1500) => (s.length > n ? '…' + s.slice(-n) : s);

// (1) dist exists and embeds the shaders --------------------------------------------------------------
await check('dist: built with embedded shaders', async () => {
  const index = join(root, 'dist/index.js');
  const gen = join(root, 'dist/kernels/shaders.gen.js');
  if (!existsSync(index)) throw new Error('dist/index.js is missing: run `npm run build`');
  if (!existsSync(gen)) throw new Error('dist/kernels/shaders.gen.js is missing: the build did not compile the embedded shaders (run `npm run build`, which runs scripts/embed-shaders.mjs first)');
  const { SOURCES } = await import(pathToFileURL(gen).href + `?t=${statSync(gen).mtimeMs}`);
  const dir = join(root, 'shaders');
  const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
  const stale = files.filter((f) => SOURCES[f.slice(0, -5)] !== readFileSync(join(dir, f), 'utf8'));
  if (stale.length) throw new Error(`dist's embedded shaders differ from shaders/ for ${stale.join(', ')}: rebuild with \`npm run build\``);
  const leaks = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.js') && /from\s+['"][^'"]+\.ts['"]/.test(readFileSync(p, 'utf8'))) leaks.push(p.slice(root.length + 1));
    }
  };
  walk(join(root, 'dist'));
  if (leaks.length) throw new Error(`these built files still import .ts paths: ${leaks.join(', ')}`);
  return `${files.length} shaders embedded`;
});

// (2) Node: self-reference import, computation, process exit ------------------------------------------
await check("node: import * as wg from 'webgrad'", async () => {
  const r = await runChild(process.execPath, ['test/build/node-consumer.mjs']);
  if (!r.result) throw new Error(`exit ${r.code}, no RESULT line\n${tail(r.err || r.out)}`);
  if (!r.result.resolved?.endsWith('/dist/index.js')) throw new Error(`'webgrad' resolved to ${r.result.resolved}, not dist/index.js`);
  const detail = verify(r.result, 'node');
  if (r.hung) {
    const d = await runChild(process.execPath, ['test/build/node-consumer.mjs', '--destroy']);
    if (d.hung) throw new Error('the Node process does not exit after using the GPU, even after wg.destroy()');
    notes.push('node: the process stays alive after using the GPU until wg.destroy() is called');
    return `${detail}; exits only after wg.destroy()`;
  }
  if (r.code !== 0) throw new Error(`exit code ${r.code}\n${tail(r.err)}`);
  return `${detail}; exits by itself ${(r.exitedAfterMs ?? 0).toFixed(0)} ms after its result`;
});

// (3) Chromium: dist/index.js as a plain ES module ------------------------------------------------------
const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.wgsl': 'text/plain', '.map': 'application/json' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>webgrad build check</title>
<script type="module">
import * as wg from '/dist/index.js';
import { run } from '/test/build/consumer.mjs';
try { window.__result = await run(wg); } catch (e) { window.__result = { error: String(e && e.stack || e) }; }
</script>`;

function serve() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/__check.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(PAGE);
    }
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404);
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Opens `path` of a local server in headless Chromium, waits until `ready` holds in the page (or `timeout`
 * ms pass) and returns `read`'s value with the page's console lines. When `failed(value)` says WebGPU
 * was missing, tries once more on SwiftShader: without a GPU, Chromium's own adapter search finds nothing.
 */
async function inChromium(path, { ready, read, failed, timeout }) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  const { chromium } = await import('playwright-core');
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}${path}`;
  const attempt = async (args) => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    try {
      const page = await browser.newPage();
      const logs = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => logs.push(`requestfailed: ${r.url()}`));
      page.on('response', (r) => r.status() >= 400 && logs.push(`HTTP ${r.status()}: ${r.url()}`));
      await page.goto(url);
      await page.waitForFunction(ready, null, { timeout }).catch(() => {});
      return { value: await page.evaluate(read), logs };
    } finally {
      await browser.close();
    }
  };
  try {
    const first = await attempt(CHROMIUM_ARGS);
    if (!failed(first.value)) return { ...first, software: false };
    const second = await attempt([...CHROMIUM_ARGS, ...CHROMIUM_SOFTWARE_ARGS]);
    return failed(second.value) ? { ...first, software: false } : { ...second, software: true };
  } finally {
    server.close();
  }
}

const webgpuMissing = (msg) => /WebGPU|adapter|navigator\.gpu/i.test(msg ?? '');

await check('chromium: <script type="module"> import from /dist/index.js', async () => {
  const r = await inChromium('/__check.html', {
    ready: () => window.__result !== undefined,
    read: () => window.__result ?? null,
    failed: (v) => !v || webgpuMissing(v.error),
    timeout: 90_000,
  });
  const result = r.value ?? { error: `no result from the page\n${r.logs.join('\n')}` };
  return verify(result, 'chromium') + (r.software ? ' (needed --use-webgpu-adapter=swiftshader)' : '');
});

// (4) Deno: dist/index.js ------------------------------------------------------------------------------
await check('deno: import dist/index.js', async () => {
  const deno = findDeno();
  if (!deno) throw new Error('no working Deno binary (run `npm install`, or set DENO_BIN)');
  const env = { ...process.env };
  if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const r = await runChild(deno, ['run', '--unstable-webgpu', '-A', 'test/build/deno-consumer.mjs'], { env });
  if (!r.result) throw new Error(`exit ${r.code}, no RESULT line\n${tail(r.err || r.out)}`);
  return verify(r.result, 'deno');
});

// (5) The README's training example: demo/train.mjs runs and learns, and the README shows its code ----------
const DEMO_LINE = /^step (\d+): loss (\S+)$/;

await check('demo: node demo/train.mjs learns XOR', async () => {
  const r = await runChild(process.execPath, ['demo/train.mjs'], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
  const points = r.out.split('\n').map((l) => l.trim().match(DEMO_LINE)).filter(Boolean).map((m) => ({ step: +m[1], loss: +m[2] }));
  const shown = points.map((p) => `${p.step}: ${p.loss}`).join(', ');
  if (JSON.stringify(points.map((p) => p.step)) !== '[50,100,150,200]') throw new Error(`expected loss lines for steps 50, 100, 150, 200; got [${shown}]\n${tail(r.out)}`);
  if (!points.every((p, i) => Number.isFinite(p.loss) && (i === 0 || p.loss < points[i - 1].loss))) throw new Error(`the loss does not decrease: ${shown}`);
  if (!(points[3].loss < 0.1)) throw new Error(`final loss ${points[3].loss} is not below 0.1: ${shown}`);
  return `loss ${shown}`;
});

await check("demo: README's training example is demo/train.mjs", async () => {
  // The demo's leading comment header is not part of the example.
  const lines = readFileSync(join(root, 'demo/train.mjs'), 'utf8').split('\n');
  while (lines.length && (lines[0].startsWith('//') || !lines[0].trim())) lines.shift();
  const demo = lines.join('\n').trimEnd();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1].trimEnd());
  const block = blocks.find((b) => b.includes('new optim.Adam(model.parameters()'));
  if (!block) throw new Error('README.md has no code block containing `new optim.Adam(model.parameters()`: add demo/train.mjs\'s code (without its comment header) to it');
  if (block === demo) return `${demo.split('\n').length} lines`;
  const a = block.split('\n');
  const b = demo.split('\n');
  const i = a.findIndex((l, k) => l !== b[k]);
  const at = i === -1 ? a.length : i;
  throw new Error(`README.md's training example differs from demo/train.mjs at code line ${at + 1}:\n  README: ${JSON.stringify(a[at] ?? '(end)')}\n  demo:   ${JSON.stringify(b[at] ?? '(end)')}`);
});

// (7) Node: a clean terminal ---------------------------------------------------------------------------
// Without a compositor or a GPU, Mesa's Vulkan layer (through libwayland) and Dawn used to print
// "error: XDG_RUNTIME_DIR is invalid or not set…" and "Warning: Vulkan shaderUniform*ArrayDynamicIndexing
// required…" before any output of the user's; init() keeps them off unless {verbose: true}.
const NOISE = [/XDG_RUNTIME_DIR is invalid or not set/, /shaderUniform\*ArrayDynamicIndexing/];
const cleanEnv = () => {
  const env = { ...process.env };
  delete env.XDG_RUNTIME_DIR;
  delete env.VK_ICD_FILENAMES;
  return env;
};
const initScript = (opts) => `
  const wg = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/index.js')).href)});
  const info = await wg.init(${JSON.stringify(opts)});
  const sum = await wg.tensor([1, 2, 3]).sum().item();
  console.log('RESULT ' + JSON.stringify({ sum, note: info.note, xdg: process.env.XDG_RUNTIME_DIR ?? null }));
  wg.destroy();`;
await check('node: init() prints nothing of its own with XDG_RUNTIME_DIR unset', async () => {
  const r = await runChild(process.execPath, ['--input-type=module', '-e', initScript({})], { env: cleanEnv() });
  if (!r.result) throw new Error(`exit ${r.code}, no RESULT line\n${tail(r.err || r.out)}`);
  if (r.result.sum !== 6) throw new Error(`sum of [1, 2, 3] is ${r.result.sum}`);
  const heard = NOISE.filter((re) => re.test(r.out + r.err));
  if (heard.length) throw new Error(`the terminal shows ${heard.join(' and ')}:\n${tail(r.err)}`);
  if (r.result.xdg && r.result.xdg.includes('webgrad-xdg-') && existsSync(r.result.xdg)) throw new Error(`the private XDG_RUNTIME_DIR ${r.result.xdg} was left behind`);
  if (r.err.trim()) notes.push(`node: init() still printed on stderr: ${r.err.trim().split('\n')[0]}`);
  return r.result.note || 'no note';
});
await check('node: init({verbose: true}) lets the driver stack speak', async () => {
  const r = await runChild(process.execPath, ['--input-type=module', '-e', initScript({ verbose: true })], { env: cleanEnv() });
  if (!r.result) throw new Error(`exit ${r.code}, no RESULT line\n${tail(r.err || r.out)}`);
  if (!/using GPU adapter: /.test(r.out)) throw new Error(`Dawn's "using GPU adapter" line is missing:\n${tail(r.out + r.err)}`);
  if (r.result.xdg) throw new Error(`verbose set XDG_RUNTIME_DIR to ${r.result.xdg}`);
  const heard = NOISE.filter((re) => re.test(r.out + r.err)).length;
  return `${heard} of the ${NOISE.length} start-up messages shown on this machine`;
});

// (8) The CLI: webgrad train on the synthetic set, webgrad eval on its output, the report in Chromium ------
const runDir = mkdtempSync(join(tmpdir(), 'webgrad-cli-'));
let cliRun = null;

const CLI_TRAIN = ['bin/webgrad.mjs', 'train', '--dataset', 'synthetic', '--epochs', '2', '--batch-size', '64', '--limit', '512', '--log-every', '4', '--seed', '1', '--json'];

await check('cli: webgrad train --dataset synthetic --json writes its run folder', async () => {
  const r = await runChild(process.execPath, [...CLI_TRAIN, '--out', runDir], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
  const lines = r.out.trim().split('\n');
  if (lines.length !== 1) throw new Error(`--json should print exactly one line on stdout, got ${lines.length}:\n${tail(r.out)}`);
  const s = JSON.parse(lines[0]);
  const keys = ['dataset', 'model', 'runtime', 'adapter', 'software', 'epochs', 'trainAccuracy', 'testAccuracy', 'testLoss', 'seconds', 'samplesPerSecond', 'out'];
  const missing = keys.filter((k) => !(k in s));
  if (missing.length) throw new Error(`the summary lacks ${missing.join(', ')}: ${lines[0]}`);
  if (s.dataset !== 'synthetic' || s.model !== 'mlp' || s.runtime !== 'node' || s.epochs !== 2 || s.out !== runDir) throw new Error(`unexpected summary ${lines[0]}`);
  if (!(s.testAccuracy > 0.5)) throw new Error(`test accuracy ${s.testAccuracy} after 2 epochs: the model did not learn`);
  for (const f of ['scalars.jsonl', 'scalars.csv', 'report.html', 'model.safetensors', 'config.json'])
    if (!existsSync(join(runDir, f)) || statSync(join(runDir, f)).size === 0) throw new Error(`${f} is missing or empty in ${runDir}`);
  const records = readFileSync(join(runDir, 'scalars.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const tags = [...new Set(records.map((x) => x.tag))].sort().join(',');
  if (tags !== 'lr,test/accuracy,test/loss,train/accuracy,train/loss') throw new Error(`scalars.jsonl has tags ${tags}`);
  if (!records.every((x) => Number.isInteger(x.step) && typeof x.wallTime === 'number' && typeof x.value === 'number')) throw new Error('a scalars.jsonl record is not {tag, step, wallTime, value}');
  // 512 training samples in batches of 64: 8 steps an epoch, train/loss read at steps 4, 8, 12, 16.
  const steps = records.filter((x) => x.tag === 'train/loss').map((x) => x.step).join(',');
  if (steps !== '4,8,12,16') throw new Error(`train/loss logged at steps ${steps}, expected 4,8,12,16`);
  const csv = readFileSync(join(runDir, 'scalars.csv'), 'utf8').trim().split('\n');
  if (csv[0] !== 'tag,step,wallTime,value' || csv.length !== records.length + 1) throw new Error(`scalars.csv has ${csv.length} lines for ${records.length} records, header ${csv[0]}`);
  const accuracy = records.filter((x) => x.tag === 'test/accuracy').at(-1).value;
  if (accuracy !== s.testAccuracy) throw new Error(`the summary's test accuracy ${s.testAccuracy} differs from the last logged ${accuracy}`);
  cliRun = s;
  return `test accuracy ${(100 * s.testAccuracy).toFixed(1)}%, ${Math.round(s.samplesPerSecond)} samples/s, ${records.length} scalars`;
});

await check('cli: webgrad eval --model DIR reproduces the test accuracy', async () => {
  if (!cliRun) throw new Error('no run to evaluate (the train check failed)');
  const r = await runChild(process.execPath, ['bin/webgrad.mjs', 'eval', '--model', runDir, '--json'], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
  const e = JSON.parse(r.out.trim());
  if (e.testAccuracy !== cliRun.testAccuracy || Math.abs(e.testLoss - cliRun.testLoss) > 1e-5 * Math.max(1, cliRun.testLoss))
    throw new Error(`eval gives accuracy ${e.testAccuracy}, loss ${e.testLoss}; training ended at ${cliRun.testAccuracy}, ${cliRun.testLoss}`);
  return `accuracy ${(100 * e.testAccuracy).toFixed(1)}%, loss ${e.testLoss.toFixed(4)} on ${e.samples} samples`;
});

await check('cli: chromium renders report.html offline (uPlot charts, confusion matrix, misclassified samples)', async () => {
  if (!cliRun) throw new Error('no report to render (the train check failed)');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    const requests = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(pathToFileURL(join(runDir, 'report.html')).href);
    await page.waitForFunction(() => window.__reportReady === true, null, { timeout: 30_000 }).catch(() => {});
    const v = await page.evaluate(() => ({
      ready: window.__reportReady === true,
      charts: document.querySelectorAll('.uplot canvas').length,
      cells: document.querySelectorAll('table.confusion td').length,
      samples: [...document.querySelectorAll('canvas[data-i]')].filter((c) => c.width > 1).length,
      inked: [...document.querySelectorAll('canvas[data-i]')].slice(0, 1).map((c) => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((x, i) => i % 4 !== 3 && x > 0))[0] ?? false,
    }));
    const external = requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'));
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    if (external.length) throw new Error(`the report fetched ${external.join(', ')}: it must be self-contained`);
    if (!v.ready || v.charts !== 2 || v.cells !== 100 || v.samples === 0 || !v.inked) throw new Error(`rendered ${JSON.stringify(v)}`);
    return `2 charts, 10x10 confusion matrix, ${v.samples} misclassified samples drawn`;
  } finally {
    await browser.close();
    rmSync(runDir, { recursive: true, force: true });
  }
});

// The same seeded run in the other runtimes trains the same model (same data order, init and dropout).
for (const runtime of ['chrome', 'deno'])
  await check(`cli: webgrad train --runtime ${runtime} matches the node run`, async () => {
    if (!cliRun) throw new Error('no node run to compare with (the train check failed)');
    const dir = mkdtempSync(join(tmpdir(), `webgrad-cli-${runtime}-`));
    try {
      const r = await runChild(process.execPath, [...CLI_TRAIN, '--runtime', runtime, '--out', dir], { timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
      const s = JSON.parse(r.out.trim());
      if (s.runtime !== runtime) throw new Error(`the summary says runtime ${s.runtime}`);
      if (!existsSync(join(dir, 'report.html')) || !existsSync(join(dir, 'model.safetensors'))) throw new Error(`the run folder ${dir} is incomplete`);
      if (Math.abs(s.testAccuracy - cliRun.testAccuracy) > 2 / 128 || Math.abs(s.testLoss - cliRun.testLoss) > 1e-3 * Math.max(1, cliRun.testLoss))
        throw new Error(`test accuracy ${s.testAccuracy}, loss ${s.testLoss}; node gave ${cliRun.testAccuracy}, ${cliRun.testLoss}`);
      return `${s.adapter}${s.software ? ' (software)' : ''}: test accuracy ${(100 * s.testAccuracy).toFixed(1)}%, loss ${s.testLoss.toFixed(4)}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

// MNIST through the real data path (wg.data.mnist, a GPU-resident DataLoader): Node trains on a subset,
// eval reproduces its accuracy exactly from model.safetensors, and Chromium (the digits served to the
// page) and Deno train the same seeded model.
const MNIST_TRAIN = ['bin/webgrad.mjs', 'train', '--dataset', 'mnist', '--limit', '512', '--epochs', '1', '--batch-size', '64', '--log-every', '4', '--seed', '1', '--json'];
const mnistDir = mkdtempSync(join(tmpdir(), 'webgrad-cli-mnist-'));
let mnistRun = null;

// The batch-norm CNN (Fashion-MNIST's default): config.json records --arch, and eval rebuilds the same
// net, so its running statistics (eval-mode batch norm) give exactly the training run's numbers.
await check('cli: --model cnn --arch wide-bn trains, and eval rebuilds it from config.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-widebn-'));
  try {
    const argv = ['bin/webgrad.mjs', 'train', '--dataset', 'synthetic', '--model', 'cnn', '--arch', 'wide-bn', '--epochs', '1', '--batch-size', '64', '--limit', '256', '--seed', '1', '--json', '--out', dir];
    const r = await runChild(process.execPath, argv, { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
    const s = JSON.parse(r.out.trim());
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    if (cfg.arch !== 'wide-bn' || cfg.model !== 'cnn') throw new Error(`config.json has model ${cfg.model}, arch ${cfg.arch}`);
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    for (const k of ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '5.running_var', '10.weight'])
      if (!(k in header)) throw new Error(`model.safetensors lacks ${k}: ${Object.keys(header).join(', ')}`);
    if ('0.bias' in header) throw new Error('the conv before batch norm should have no bias');
    const e = JSON.parse((await runChild(process.execPath, ['bin/webgrad.mjs', 'eval', '--model', dir, '--json'], { timeoutMs: 180_000 })).out.trim());
    if (e.testAccuracy !== s.testAccuracy || Math.abs(e.testLoss - s.testLoss) > 1e-5 * Math.max(1, s.testLoss))
      throw new Error(`eval gives accuracy ${e.testAccuracy}, loss ${e.testLoss}; training ended at ${s.testAccuracy}, ${s.testLoss}`);
    return `test accuracy ${(100 * s.testAccuracy).toFixed(1)}%, eval identical (loss ${e.testLoss.toFixed(4)})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await check('cli: webgrad train --dataset mnist --limit 512 --epochs 1 (node)', async () => {
  const r = await runChild(process.execPath, [...MNIST_TRAIN, '--out', mnistDir], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
  const s = JSON.parse(r.out.trim());
  if (s.dataset !== 'mnist' || s.runtime !== 'node' || s.epochs !== 1) throw new Error(`unexpected summary ${r.out.trim()}`);
  const cfg = JSON.parse(readFileSync(join(mnistDir, 'config.json'), 'utf8'));
  if (cfg.classNames.join('') !== '0123456789') throw new Error(`config.json has classes ${cfg.classNames}`);
  // 512 digits, one epoch: a linear-ish model already gets most of 128 test digits right.
  if (!(s.testAccuracy > 0.5)) throw new Error(`test accuracy ${s.testAccuracy} after one epoch on 512 digits: the model did not learn`);
  const html = readFileSync(join(mnistDir, 'report.html'), 'utf8');
  if (!html.includes('canvas data-i="0"')) throw new Error('report.html shows no misclassified digits');
  mnistRun = s;
  return `test accuracy ${(100 * s.testAccuracy).toFixed(1)}% on 128 digits, ${Math.round(s.samplesPerSecond)} samples/s`;
});

await check('cli: webgrad eval --model DIR (mnist) gives exactly the training run\'s test accuracy', async () => {
  if (!mnistRun) throw new Error('no mnist run to evaluate (the train check failed)');
  const r = await runChild(process.execPath, ['bin/webgrad.mjs', 'eval', '--model', mnistDir, '--json'], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
  const e = JSON.parse(r.out.trim());
  if (e.samples !== 128 || e.testAccuracy !== mnistRun.testAccuracy || Math.abs(e.testLoss - mnistRun.testLoss) > 1e-5 * Math.max(1, mnistRun.testLoss))
    throw new Error(`eval gives accuracy ${e.testAccuracy}, loss ${e.testLoss} on ${e.samples} samples; training ended at ${mnistRun.testAccuracy}, ${mnistRun.testLoss}`);
  rmSync(mnistDir, { recursive: true, force: true });
  return `accuracy ${(100 * e.testAccuracy).toFixed(1)}%, loss ${e.testLoss.toFixed(4)}`;
});

for (const runtime of ['chrome', 'deno'])
  await check(`cli: webgrad train --dataset mnist --runtime ${runtime} matches the node run`, async () => {
    if (!mnistRun) throw new Error('no node mnist run to compare with (the train check failed)');
    const dir = mkdtempSync(join(tmpdir(), `webgrad-cli-mnist-${runtime}-`));
    try {
      const r = await runChild(process.execPath, [...MNIST_TRAIN, '--runtime', runtime, '--out', dir], { timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`exit ${r.code}\n${tail(r.err || r.out)}`);
      const s = JSON.parse(r.out.trim());
      if (s.runtime !== runtime || s.dataset !== 'mnist') throw new Error(`the summary says ${s.dataset} on ${s.runtime}`);
      if (Math.abs(s.testAccuracy - mnistRun.testAccuracy) > 2 / 128 || Math.abs(s.testLoss - mnistRun.testLoss) > 1e-3 * Math.max(1, mnistRun.testLoss))
        throw new Error(`test accuracy ${s.testAccuracy}, loss ${s.testLoss}; node gave ${mnistRun.testAccuracy}, ${mnistRun.testLoss}`);
      return `${s.adapter}${s.software ? ' (software)' : ''}: test accuracy ${(100 * s.testAccuracy).toFixed(1)}%, loss ${s.testLoss.toFixed(4)}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

// (9) TypeScript consumers: the .d.ts files typecheck on their own ----------------------------------------
await check('types: strict TypeScript consumer of dist/ with skipLibCheck false', async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // The check below would find @webgpu/types in this repo's node_modules either way; a consumer gets it only as a dependency.
  if (!pkg.dependencies?.['@webgpu/types']) throw new Error("@webgpu/types is not in package.json's dependencies, so consumers would not get the WebGPU types dist/index.d.ts references");
  if (!readFileSync(join(root, 'dist/index.d.ts'), 'utf8').includes('/// <reference types="@webgpu/types"')) throw new Error('dist/index.d.ts does not reference @webgpu/types');
  // The consumer is copied out of the repository, as a project of its own whose node_modules/webgrad
  // is this package (as an install would be). A link inside the repository would loop test discovery.
  const src = join(root, 'test/build/ts-consumer');
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-ts-consumer-'));
  try {
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules/webgrad'), 'junction');
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = await runChild(process.execPath, [tsc, '-p', dir], { timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`tsc -p test/build/ts-consumer failed (exit ${r.code}):\n${tail(r.out + r.err, 3000)}`);
  } finally {
    // Only the link is removed, never what it points to; then the copied files (tsc writes none: noEmit).
    const gone = (p, rm) => existsSync(p) || lstatSync(p, { throwIfNoEntry: false }) ? rm(p) : undefined;
    gone(join(dir, 'node_modules/webgrad'), unlinkSync);
    for (const f of readdirSync(src)) gone(join(dir, f), unlinkSync);
    gone(join(dir, 'node_modules'), rmdirSync);
    rmdirSync(dir);
  }
  const lib = JSON.parse(readFileSync(join(src, 'tsconfig.json'), 'utf8')).compilerOptions.lib;
  return `typechecks with lib ${JSON.stringify(lib)}`;
});

for (const n of notes) console.log(`note  ${n}`);
console.log(`build: ${passed} passed, ${failed} failed`);
console.log(`BUILD_RESULT ${JSON.stringify({ passed, failed, notes })}`);
process.exit(failed ? 1 : 0);
