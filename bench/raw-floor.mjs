// The device's floor for the sweep's reductions: hand-written WGSL kernels, each for one shape and
// nothing else (sizes baked in, no uniforms, no layout walk), timed against webgrad's general kernels
// on the same shapes, in one Node process on the `webgpu` package (Dawn). It answers "how much of the
// time of a small reduction is webgrad's, and how much the adapter's?" where the sweep's efficiency
// check (bench/sweep-report.mjs) flags reductions far from the best time per element of the grid.
//
//   npm run build && node bench/raw-floor.mjs [--reps 64] [--rounds 9]
//
// Both sides are timed the same way: `reps` calls recorded back to back, one wait for the queue, the
// fastest of `rounds` such batches, per call. webgrad's time includes its per-call host work (a tensor,
// its uniforms, the encoding), which is part of what a user pays; the raw side has none.
import * as wg from '../dist/index.js';
import { device } from '../dist/tensor/context.js';

const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const REPS = arg('--reps', 64);
const ROUNDS = arg('--rounds', 9);

await wg.init();
// webgrad's own GPUDevice (a second WebGPU instance in one Node process aborts in Dawn).
const dev = device().gpu;
const U = { STORAGE: 0x80 };

/** Best time per dispatch of `code` over `groups` workgroups reading n floats and writing `outs`. */
async function raw(code, n, outs, groups) {
  const X = dev.createBuffer({ size: Math.max(16, n * 4), usage: U.STORAGE });
  const O = dev.createBuffer({ size: Math.max(16, outs * 4), usage: U.STORAGE });
  const module = dev.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  const err = info.messages.find((m) => m.type === 'error');
  if (err) throw new Error(`raw kernel: ${err.message} (line ${err.lineNum})`);
  const pipe = await dev.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bind = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: X } }, { binding: 1, resource: { buffer: O } }] });
  const batch = async (reps) => {
    const t0 = performance.now();
    const enc = dev.createCommandEncoder();
    for (let i = 0; i < reps; i++) {
      const p = enc.beginComputePass();
      p.setPipeline(pipe);
      p.setBindGroup(0, bind);
      p.dispatchWorkgroups(groups);
      p.end();
    }
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / reps;
  };
  await batch(4);
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) best = Math.min(best, await batch(REPS));
  X.destroy();
  O.destroy();
  return best;
}

/** webgrad's best time per call of `fn` (which returns a tensor), measured like `raw`. */
async function lib(fn) {
  for (let i = 0; i < 4; i++) fn().dispose();
  await wg.sync();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const out = [];
    for (let i = 0; i < REPS; i++) out.push(fn());
    await wg.sync();
    best = Math.min(best, (performance.now() - t0) / REPS);
    for (const t of out) t.dispose();
  }
  return best;
}

const HEAD = `@group(0) @binding(0) var<storage, read> X: array<f32>;\n@group(0) @binding(1) var<storage, read_write> O: array<f32>;\n`;
const WG = 256;
// One invocation per output, each summing `len` elements `step` apart from t * `stride` (t * 1 for
// columns): the layout webgrad also takes for these shapes, minus everything general.
const perOutput = (outs, len, stride, step) => `${HEAD}@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let t = g.x; if (t >= ${outs}u) { return; }
  var a0 = 0.0; var a1 = 0.0; var a2 = 0.0; var a3 = 0.0; var p = t * ${stride}u; var i = 0u;
  for (; i + 3u < ${len}u; i += 4u) { a0 += X[p]; a1 += X[p + ${step}u]; a2 += X[p + ${2 * step}u]; a3 += X[p + ${3 * step}u]; p += ${4 * step}u; }
  for (; i < ${len}u; i++) { a0 += X[p]; p += ${step}u; }
  O[t] = (a0 + a1) + (a2 + a3); }`;
// One row on the four lanes of a subgroup (interleaved), combined by shuffles; the best single dispatch
// for few rows on SwiftShader (a SIMD group's loads are then one sequential load).
const lanes4 = (rows, len) => `enable subgroups;\n${HEAD}@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let row = g.x / 4u; let lane = g.x % 4u; var a = 0.0;
  if (row < ${rows}u) { for (var j = lane; j < ${len}u; j += 4u) { a += X[row * ${len}u + j]; } }
  a += subgroupShuffleXor(a, 1u); a += subgroupShuffleXor(a, 2u);
  if (row < ${rows}u && lane == 0u) { O[row] = a; } }`;
// Batch-norm statistics of [B, C, HW]: one invocation per (channel, column of HW), adjacent columns in
// adjacent lanes, each walking the batch. A second pass over the [C, HW] partials would follow; it is
// left out, so this floor is lower than any complete kernel's.
const bnColumns = (B, C, HW) => `${HEAD}@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let t = g.x; if (t >= ${C * HW}u) { return; }
  var a = 0.0; for (var b = 0u; b < ${B}u; b++) { a += X[b * ${C * HW}u + t]; } O[t] = a; }`;
const copy = (n) => `${HEAD}@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) { let t = g.x; if (t < ${n}u) { O[t] = -X[t]; } }`;
const groups = (n) => Math.ceil(n / WG);

const mk = (shape) => wg.randn(shape);
const sg = dev.features.has('subgroups');
const CASES = [
  ['neg([4096]) (a copy)', [4096], (x) => x.neg(), () => raw(copy(4096), 4096, 4096, groups(4096))],
  ['neg([16384]) (a copy)', [16384], (x) => x.neg(), () => raw(copy(16384), 16384, 16384, groups(16384))],
  ['sum([4096,1], axis 1)', [4096, 1], (x) => x.sum(1), () => raw(perOutput(4096, 1, 1, 1), 4096, 4096, groups(4096))],
  ['sum([4096,4], axis 1)', [4096, 4], (x) => x.sum(1), () => raw(perOutput(4096, 4, 4, 1), 16384, 4096, groups(4096))],
  ['sum([4096,32], axis 1)', [4096, 32], (x) => x.sum(1), () => raw(perOutput(4096, 32, 32, 1), 131072, 4096, groups(4096))],
  ['sum([128,512], axis 1)', [128, 512], (x) => x.sum(1), () => raw(perOutput(128, 512, 512, 1), 65536, 128, 1)],
  ['sum([1024,64], axis 0)', [1024, 64], (x) => x.sum(0), () => raw(perOutput(64, 1024, 1, 64), 65536, 64, 1)],
  ['sum([4096,32], axis 0)', [4096, 32], (x) => x.sum(0), () => raw(perOutput(32, 4096, 1, 32), 131072, 32, 1)],
  ['sum([1,4096], all)', [1, 4096], (x) => x.sum(), () => (sg ? raw(lanes4(1, 4096), 4096, 1, 1) : raw(perOutput(1, 4096, 0, 1), 4096, 1, 1))],
  ['sum([4,4096], all)', [4, 4096], (x) => x.sum(), () => (sg ? raw(lanes4(1, 16384), 16384, 1, 1) : raw(perOutput(1, 16384, 0, 1), 16384, 1, 1))],
  ['sum([64,6,28,28], axis 0,2,3)', [64, 6, 28, 28], (x) => x.sum([0, 2, 3]), () => raw(bnColumns(64, 6, 784), 301056, 6 * 784, groups(6 * 784))],
];

const info = device().info;
console.log(`adapter: ${info.adapter.vendor} ${info.adapter.architecture}${info.software ? ' (software)' : ''}; ${REPS} calls a batch, best of ${ROUNDS}`);
console.log('| shape | webgrad | hand-written floor | webgrad / floor |');
console.log('|---|---:|---:|---:|');
for (const [label, shape, fn, floor] of CASES) {
  const x = mk(shape);
  const ours = await lib(() => fn(x));
  const theirs = await floor();
  x.dispose();
  console.log(`| ${label} | ${ours.toFixed(3)} ms | ${theirs.toFixed(3)} ms | ${(ours / theirs).toFixed(2)}× |`);
}
process.exit(0);
