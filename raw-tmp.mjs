import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
import { render } from './dist/kernels/shaders.js';
import { ReduceParams } from './dist/kernels/reduce.js';
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const dev = await adapter.requestDevice();
const n = Number(process.argv[2] ?? 4096);
const U = GPUBufferUsage;
const mkbuf = (bytes, usage) => dev.createBuffer({ size: bytes, usage });
const X = mkbuf(n * 4, U.STORAGE | U.COPY_DST), O = mkbuf(n * 4, U.STORAGE), Ub = mkbuf(1024, U.UNIFORM | U.COPY_DST);
// reduce params: nout=n, nred=1, nsplit=1, chunk=1, ndo=1, ndi=1, scale=1, offset=0, coff=0, oshape[8], ostride[8], ishape[8], istride[8]
const u = new Uint32Array(256);
u[0]=n; u[1]=1; u[2]=1; u[3]=1; u[4]=1; u[5]=1; new Float32Array(u.buffer)[6]=1; u[7]=0; u[8]=0;

async function time(name, code, constants, wgs, bindX=true) {
  const mod = dev.createShaderModule({ code });
  const info = await mod.getCompilationInfo(); for (const m of info.messages) if (m.type==='error') { console.log(m.message, m.lineNum); return; }
  const pipe = await dev.createComputePipelineAsync({ layout: 'auto', compute: { module: mod, entryPoint: 'main', constants } });
  const entries = [{ binding: 0, resource: { buffer: Ub } }, { binding: 1, resource: { buffer: X } }, ...(bindX?[{ binding: 2, resource: { buffer: X } }]:[]), { binding: 3, resource: { buffer: O } }];
  const bg = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
  let best = Infinity;
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    const enc = dev.createCommandEncoder();
    for (let i = 0; i < 64; i++) { const p = enc.beginComputePass(); p.setPipeline(pipe); p.setBindGroup(0, bg); p.dispatchWorkgroups(wgs); p.end(); }
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
    best = Math.min(best, (performance.now() - t0) / 64);
  }
  console.log(name.padEnd(24), best.toFixed(4), 'ms');
}
globalThis.__time = time;
const src = render('reduce', ReduceParams, { TX: 'f32', TO: 'f32', CT: 'f32', INIT: '0', COMBINE: 'acc + v', MAP: 'v', FINAL: 'acc' });
dev.queue.writeBuffer(Ub, 0, u);
await time('reduce pt', src, { PER_THREAD: 1, OUT_FAST: 1, HAS_C: 0, FAST_MINMAX: 0, IN_RANK: 1, OUT_RANK: 1 }, Math.ceil(n / 256));
const copy = `${ReduceParams.wgsl}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> C: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) g: vec3<u32>) { let t = g.x; if (t >= u.nout) { return; } O[t] = X[t] + C[0]; }`;
await time('copy', copy, {}, Math.ceil(n / 256));
const fs = await import('fs'); fs.writeFileSync('/tmp/p/reduce_gen.wgsl', src);
for (const f of process.argv.slice(3)) await time(f, fs.readFileSync(f, 'utf8'), { PER_THREAD: 1, OUT_FAST: 1, HAS_C: 0, FAST_MINMAX: 0, IN_RANK: 1, OUT_RANK: 1 }, Math.ceil(n / 256));
process.exit(0);
