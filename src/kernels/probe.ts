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
