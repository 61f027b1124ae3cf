// A tiny static HTTP server for the benchmark page, bound to 127.0.0.1 on a free port. It serves only
// what the page needs from the repository: dist/ (webgrad), bench/ (the harness) and the peers' browser
// bundles under node_modules/@tensorflow and node_modules/@jax-js.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.map': 'application/json', '.wgsl': 'text/plain' };
const ALLOWED = ['dist/', 'bench/', 'node_modules/@tensorflow/', 'node_modules/@jax-js/'];

/** Starts the server; resolves with { url, close() }. */
export function serve(root) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const path = normalize(join(root, rel));
    const ok = path.startsWith(root + sep) && ALLOWED.some((p) => rel.startsWith(p)) && existsSync(path) && statSync(path).isFile();
    if (!ok) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end(`not found: ${url.pathname}`);
    }
    // Cross-origin isolation lets jax-js' Wasm backend use threads; harmless for the others.
    res.writeHead(200, {
      'content-type': MIME[extname(path)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(readFileSync(path));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
