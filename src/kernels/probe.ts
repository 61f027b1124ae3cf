// Init-time probes of behaviour the WebGPU spec leaves to the device. Only buildProfile (profile.ts)
// calls them; kernels read the outcome from the profile.
import { UniformWriter, UNIFORM_BINDING, type Device } from '../device/index.ts';
import { GemmParams, subgroupSpec } from './gemm-kernels.ts';

/**
 * Whether matmul_sg.wgsl compiles and computes right on this device, by one small product checked
 * exactly. Its lane arithmetic holds only where subgroups are runs of 4 (or 8) consecutive
 * invocations; a runtime without `enable subgroups`, or another subgroup layout, fails.
 */
export async function subgroupMatmulWorks(dev: Device): Promise<boolean> {
  // Two broadcast rounds and a 3-step tail; small integers, so every sum is exact.
  const [M, N, K] = [64, 64, 11];
  const a = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 13) - 6);
  const b = Float32Array.from({ length: K * N }, (_, i) => ((i * 5) % 11) - 5);
  const bytes = new Uint8Array(UNIFORM_BINDING / 2);
  const w = new UniformWriter(new DataView(bytes.buffer), 0);
  GemmParams.write(w, { ...GemmParams.zero(), M, N, K, kchunk: K, tiles_n: 1, tiles_m: 1, nbatch: 1, total: 1, sam: K, sak: 1, sbk: N, sbn: 1, scm: N, scn: 1 });
  // Bindings as in matmul_common.wgsl: params, A, B, BIAS (unused: no bias flag), C.
  const out = await dev.probe('matmul:subgroup-probe', subgroupSpec().source, [bytes, a, b, a], M * N * 4);
  if (!out) return false;
  const got = new Float32Array(out);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let want = 0;
      for (let k = 0; k < K; k++) want += a[m * K + k]! * b[k * N + n]!;
      if (got[m * N + n] !== want) return false;
    }
  return true;
}

/**
 * The subgroup width where subgroups are runs of that many consecutive invocations of a 256-wide
 * workgroup and subgroupShuffleXor swaps lanes as documented; 0 otherwise (or without subgroups).
 * reduce.wgsl's LANES passes assign rows to invocations by that layout.
 */
export async function subgroupLanes(dev: Device): Promise<number> {
  const code = `enable subgroups;
@group(0) @binding(0) var<uniform> u: vec4<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  let x = lid + u.x;
  O[3u * lid] = size;
  O[3u * lid + 1u] = lane;
  O[3u * lid + 2u] = subgroupShuffleXor(x, 1u) | (subgroupShuffleXor(x, 2u) << 16u);
}`;
  const out = await dev.probe('reduce:subgroup-probe', code, [new Uint32Array(4)], 256 * 3 * 4);
  if (!out) return 0;
  const got = new Uint32Array(out);
  const w = got[0]!;
  if (w !== 4 && w !== 8) return 0;
  for (let i = 0; i < 256; i++) {
    if (got[3 * i] !== w || got[3 * i + 1] !== i % w) return 0;
    if (got[3 * i + 2] !== ((i ^ 1) | ((i ^ 2) << 16))) return 0;
  }
  return w;
}
