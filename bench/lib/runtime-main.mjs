// The webgrad-only benchmark in Node or Deno: `node bench/lib/runtime-main.mjs '<json options>'` (or
// `deno run --unstable-webgpu -A ...`). Progress goes to stderr; the last stdout line is
// `BENCH_RESULT <json>` for bench/run.mjs.
import { createBench } from './harness.mjs';
import { drive } from './driver.mjs';
import { webgradEngine } from './engines/webgrad.mjs';

const g = globalThis;
const args = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const opts = JSON.parse(args[0] ?? '{}');
const log = (s) => console.error(s);
const exit = (code) => (g.Deno ? g.Deno.exit(code) : g.process.exit(code));

let code = 0;
try {
  const wg = await import(new URL('../../dist/index.js', import.meta.url).href);
  const bench = createBench([webgradEngine(wg, { fusion: opts.fusion !== false })], { size: opts.size ?? 'full', sweep: opts.sweep ?? null });
  const results = await drive(bench, { ...opts, log });
  const info = results.engines.webgrad?.info ?? {};
  results.adapter = info.adapter ?? { error: results.engines.webgrad?.error };
  results.runtimeInfo = g.Deno ? { name: 'deno', version: g.Deno.version.deno, v8: g.Deno.version.v8 } : { name: 'node', version: g.process.version, webgpu: 'the webgpu package (Dawn)' };
  console.log(`BENCH_RESULT ${JSON.stringify(results)}`);
  try {
    wg.destroy?.();
  } catch {}
} catch (e) {
  console.error(e?.stack ?? e);
  code = 1;
}
exit(code);
