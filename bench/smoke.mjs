#!/usr/bin/env node
// Benchmark smoke test: every workload at tiny sizes, every engine (webgrad, TF.js, jax-js) in one
// headless Chromium page, outputs checked against the float64 CPU reference and against each other.
// No timing and no timing assertions. Prints one line per check and ends with `N passed, M failed`;
// exits 1 when anything failed. A webgrad op that does not exist yet is reported as "not implemented
// yet" and counted neither way. Called by scripts/test.sh after `npm run build`.
//   node bench/smoke.mjs [--engines webgrad,tfjs] [--only matmul]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drive } from './lib/driver.mjs';
import { checkLines } from './lib/report.mjs';
import { openBench } from './lib/browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};

async function main() {
  let passed = 0, failed = 0, pending = 0;
  const line = (ok, text) => {
    if (ok === true) passed++;
    else if (ok === false) failed++;
    else pending++;
    console.log(`${ok === true ? 'ok  ' : ok === false ? 'FAIL' : 'todo'}  ${text}`);
  };
  if (!existsSync(join(root, 'dist/index.js'))) {
    line(false, 'dist/index.js is missing: run `npm run build` first');
    return { passed, failed };
  }
  const t0 = Date.now();
  let b;
  try {
    b = await openBench({ root, engines: opt('--engines', 'webgrad,tfjs,jax-js').split(','), size: 'smoke', log: (s) => console.log(s) });
  } catch (e) {
    line(false, `could not open the benchmark page: ${String(e?.message ?? e).split('\n')[0]}`);
    return { passed, failed };
  }
  try {
    const a = b.adapter;
    console.log(`browser ${b.browser.version}; adapter ${a.error ?? [a.vendor, a.architecture, a.description].filter(Boolean).join(' ')}`);
    const results = await drive(b.api, { only: opt('--only'), skipTiming: true, callTimeoutMs: 240_000 });
    for (const [name, e] of Object.entries(results.engines)) line(e.ok, `engine ${name} starts${e.ok ? '' : `: ${e.error}`}`);
    for (const { ok, text } of checkLines(results)) line(ok, text);
  } catch (e) {
    line(false, `smoke run crashed: ${String(e?.stack ?? e)}`);
  } finally {
    await b.close();
  }
  console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s${pending ? `; ${pending} webgrad op(s) not implemented yet, not counted` : ''})`);
  return { passed, failed };
}

main().then(
  ({ passed, failed }) => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  },
  (e) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
