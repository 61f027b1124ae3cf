#!/usr/bin/env node
// webgrad benchmarks against TensorFlow.js (WebGPU backend) and jax-js (WebGPU), in one headless Chrome page.
//
//   npm run bench                          all workloads, all engines, in headless Chromium
//   npm run bench -- --quick               the same sizes and checks; 1 repetition, medians of 3 (a fast look)
//   npm run bench -- --only matmul,softmax workload ids, prefixes or groups
//   npm run bench -- --engines webgrad,tfjs
//   npm run bench -- --runtime node|deno   webgrad-only rows in Node (Dawn) or Deno
//   npm run bench -- --software            force Chromium onto SwiftShader (auto when no GPU adapter)
//   npm run bench -- --no-fusion           webgrad with its lazy elementwise fusion off (A/B for RESULTS.md)
//   npm run bench -- --runs 7 --target-ms 500 --no-save
//   npm run bench -- --only matmul-4096,copy  opt-in workloads, run only when named by exact id
//   npm run bench -- --max-mb 1024         GPU memory for the outputs of one timed batch (default 256)
//   npm run bench -- --sweep [--quick]     the shape sweep (bench/lib/sweep.mjs) instead of the table: small,
//                                          skinny and transposed matmuls, reductions over each axis, softmax;
//                                          prints the cliff report and writes the SVG plot (bench/sweep-report.mjs).
//                                          engines timed in interleaved rounds (load hits all alike);
//                                          --quick: a coarser grid, medians of 7 rounds (under 10 minutes here)
//   npm run bench -- --sweep --tag before  adds a tag to the results file name
//
//   node bench/run.mjs --runtime node --gpu-report [--peak-gflops N]
//       webgrad only (any --runtime): matmul-4096, copy, softmax, sum/max rows/all; prints matmul 4096
//       GFLOP/s (and % of the N GFLOP/s fp32 peak), copy GB/s, softmax and reductions as % of copy GB/s
//       and the adapter's name; more repetitions per batch (--max-mb 4096 unless given). With --quick,
//       medians of 1 run (minutes on SwiftShader, where matmul 4096 alone takes a minute or more).
//       Writes bench/results/<date>-<adapter>[-node|-deno][-quick]-gpu-report.json.
//
// Every engine's output is checked (float64 CPU reference + pairwise between engines) before it is timed;
// mismatches are printed with !!! and make the exit status 1. Results go to bench/results/<date>-<adapter>.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drive } from './lib/driver.mjs';
import { tables, gpuReport, GPU_REPORT_WORKLOADS } from './lib/report.mjs';
import { openBench } from './lib/browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const DEFAULT_ENGINES = 'webgrad,tfjs,jax-js';

function parseArgs(argv) {
  const o = { runtime: 'browser', quick: false, save: true, software: 'auto', engines: DEFAULT_ENGINES, fusion: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const key = a.split('=')[0];
    if (key === '--quick') o.quick = true;
    else if (key === '--runtime') o.runtime = val();
    else if (key === '--only') o.only = val();
    else if (key === '--engines') o.engines = val();
    else if (key === '--runs') o.runs = Number(val());
    else if (key === '--target-ms') o.targetMs = Number(val());
    else if (key === '--max-reps') o.maxReps = Number(val());
    else if (key === '--out') o.out = val();
    else if (key === '--no-save') o.save = false;
    else if (key === '--software') o.software = true;
    else if (key === '--no-fusion') o.fusion = false;
    else if (key === '--hardware') o.software = false;
    else if (key === '--gpu-report') o.gpuReport = true;
    else if (key === '--sweep') o.sweep = true;
    else if (key === '--tag') o.tag = val();
    else if (key === '--peak-gflops') o.peakGflops = Number(val());
    else if (key === '--max-mb') o.maxMb = Number(val());
    else if (key === '--help' || key === '-h') o.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (!['browser', 'node', 'deno'].includes(o.runtime)) throw new Error(`--runtime must be browser, node or deno, not ${o.runtime}`);
  if (o.peakGflops !== undefined && !(o.peakGflops > 0)) throw new Error('--peak-gflops needs a positive number (the GPU\'s fp32 GFLOP/s)');
  if (o.peakGflops !== undefined && !o.gpuReport) throw new Error('--peak-gflops goes with --gpu-report');
  if (o.maxMb !== undefined && !(o.maxMb > 0)) throw new Error('--max-mb needs a positive number');
  if (o.gpuReport) {
    if (o.only) throw new Error('--gpu-report picks its own workloads; leave out --only');
    o.only = GPU_REPORT_WORKLOADS.join(',');
    o.engines = 'webgrad';
    // A fast GPU finishes a 16 MB reduction in microseconds, so a batch needs hundreds of repetitions
    // (each keeps its output alive) before the submit-and-wait overhead stops dominating.
    o.maxMb ??= 4096;
    if (!o.quick) o.maxReps ??= 1000;
    // On a CPU adapter one matmul 4096 takes a minute or more; a quick look runs each workload three
    // times in all (check, one timed, one end-to-end) instead of seven.
    if (o.quick) o.runs ??= 1;
  }
  if (o.sweep) {
    if (o.gpuReport) throw new Error('--sweep and --gpu-report are separate runs');
    // Small shapes take a tenth of a millisecond and the submit-and-wait 0.5-3 ms: up to 128 (256)
    // back-to-back repetitions per run keep the wait to about 0.02 ms per call (the harness sizes the
    // batch by the time per call, not by one synced run), and the median of 7 rounds drops the rounds
    // a burst of load hits. No end-to-end runs.
    o.runs ??= 7;
    o.targetMs ??= o.quick ? 40 : 60;
    o.maxReps ??= o.quick ? 128 : 256;
    o.warmup = true;
    o.e2e = false;
    o.interleave = true;
    return o;
  }
  // --quick keeps every size and every check, but times with single repetitions, no second warm-up
  // (the checked run is the warm-up) and medians of 3: a fast look, not numbers to publish.
  o.runs ??= o.quick ? 3 : 5;
  o.targetMs ??= o.quick ? 0 : 400;
  o.maxReps ??= o.quick ? 1 : 50;
  o.warmup = !o.quick;
  if (o.runs < 5 && !o.quick) console.warn(`note: --runs ${o.runs} is below the 5 runs the published numbers use`);
  return o;
}

const slug = (s) => String(s || 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown';

function adapterSlug(a) {
  if (!a || a.error) return 'no-adapter';
  const text = `${a.vendor ?? ''} ${a.architecture ?? ''} ${a.description ?? ''}`.toLowerCase();
  if (/swiftshader/.test(text)) return 'swiftshader';
  return slug([a.vendor, a.architecture].filter(Boolean).join('-') || a.description);
}

function runChild(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(String(d).split('\n').filter((l) => l && !l.startsWith('BENCH_RESULT ')).map((l) => l + '\n').join(''));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = out.match(/^BENCH_RESULT (.*)$/m);
      if (!m) return reject(new Error(`${cmd} exited with ${code} and printed no result`));
      resolve(JSON.parse(m[1]));
    });
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    console.log(
      (await import('node:fs')).readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1).filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'),
    );
    return 0;
  }
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run build` (npm run bench does)');
  const log = (s) => console.log(s);
  const sweep = o.sweep ? (o.quick ? 'quick' : 'full') : null;
  const driveOpts = { only: o.only, runs: o.runs, targetMs: o.targetMs, maxReps: o.maxReps, maxBytes: o.maxMb && o.maxMb * 2 ** 20, warmup: o.warmup, e2e: o.e2e ?? true, interleave: !!o.interleave, fusion: o.fusion, sweep };
  const started = new Date();
  const t0 = Date.now();
  let results;
  if (o.runtime === 'browser') {
    const engines = o.engines.split(',').map((s) => s.trim());
    const b = await openBench({ root, engines, software: o.software, fusion: o.fusion, sweep, log });
    try {
      log(`browser: ${b.browser.version}, flags: ${b.browser.flags.join(' ')}`);
      log(`adapter: ${JSON.stringify({ vendor: b.adapter.vendor, architecture: b.adapter.architecture, description: b.adapter.description, error: b.adapter.error })}`);
      for (const [n, e] of Object.entries(b.loadErrors)) log(`!!! ${n} could not be loaded: ${e}`);
      results = await drive(b.api, { ...driveOpts, log });
      results.adapter = b.adapter;
      results.browser = b.browser;
    } finally {
      await b.close();
    }
  } else {
    const env = { ...process.env };
    // The GPU report must reach the machine's own Vulkan driver, so it pins SwiftShader only when
    // asked (--software); without a GPU, Dawn falls back to SwiftShader by itself.
    const pinSoftware = o.gpuReport ? o.software === true : o.software !== false;
    if (!env.VK_ICD_FILENAMES && pinSoftware && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const json = JSON.stringify(driveOpts);
    if (o.runtime === 'node') results = await runChild(process.execPath, ['bench/lib/runtime-main.mjs', json], env);
    else {
      const { findDeno } = await import('../scripts/find-deno.mjs');
      const deno = findDeno() ?? join(root, 'node_modules/@deno/linux-x64-glibc/deno');
      if (!existsSync(deno) && deno !== 'deno') throw new Error('no Deno binary: run `npm install`');
      results = await runChild(deno, ['run', '--unstable-webgpu', '-A', 'bench/lib/runtime-main.mjs', json], env);
    }
  }
  results.date = started.toISOString();
  results.runtime = o.runtime;
  results.quick = o.quick;
  results.options = { sweep, runs: o.runs, targetMs: o.targetMs, maxReps: o.maxReps, maxMb: o.maxMb ?? 256, warmup: o.warmup, only: o.only ?? null, engines: o.engines, webgradFusion: o.fusion, gpuReport: !!o.gpuReport, peakGflops: o.peakGflops ?? null };
  results.host = { platform: process.platform, arch: process.arch, node: process.version, cpus: (await import('node:os')).cpus().length };
  results.totalSeconds = Math.round((Date.now() - t0) / 1000);

  if (sweep) {
    const { sweepReport } = await import('./sweep-report.mjs');
    console.log('\n' + sweepReport(results).markdown);
  } else console.log('\n' + tables(results));
  const a = results.adapter ?? {};
  const software = /swiftshader|llvmpipe|lavapipe/i.test(`${a.vendor} ${a.architecture} ${a.description}`);
  if (o.gpuReport) console.log(gpuReport(results, { peakGflops: o.peakGflops }));
  if (software) console.log('Adapter is SwiftShader: these are CPU-emulated WebGPU numbers, not GPU performance.\n');
  if (results.mismatches.length) {
    console.log(`!!! ${results.mismatches.length} MISMATCH(ES): a result disagreed with the CPU reference or another engine:`);
    for (const m of results.mismatches) console.log(`!!!   ${m.workload}: ${m.engine} vs ${m.against}: error ${m.err} — ${m.detail}`);
  } else console.log('All checked outputs agree with the CPU reference and with each other.');
  if (results.errors?.length) {
    console.log(`!!! ${results.errors.length} ERROR(S): these engine/workload pairs did not run (shown in the tables):`);
    for (const e of results.errors) console.log(`!!!   ${e.workload}: ${e.engine}: ${e.error}`);
  }

  if (o.save) {
    const date = started.toISOString().slice(0, 10);
    // The name, <date>-<adapter>.json, for the default run; other runs say how they differ.
    const variant = [
      o.runtime !== 'browser' && o.runtime,
      sweep && 'sweep',
      o.quick && 'quick',
      !o.fusion && 'nofusion',
      !o.gpuReport && o.engines !== DEFAULT_ENGINES && o.runtime === 'browser' && slug(o.engines),
      o.gpuReport ? 'gpu-report' : o.only && slug(o.only),
      o.tag && slug(o.tag),
    ].filter(Boolean);
    const name = `${[date, adapterSlug(a), ...variant].join('-')}.json`;
    const file = o.out ?? join(root, 'bench/results', name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(`results: ${relative(process.cwd(), file)} (${results.totalSeconds} s)`);
    if (sweep) {
      const { writePlot } = await import('./sweep-report.mjs');
      console.log(`plot: ${relative(process.cwd(), writePlot([file]))}`);
    }
  }
  return results.mismatches.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench: ${e?.stack ?? e}`);
    process.exit(2);
  },
);
