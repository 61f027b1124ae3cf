// Matrix product for CPU-emulated GPUs (SwiftShader): the same problem, uniforms and bindings as
// matmul.wgsl's mode 0 (matmul_common.wgsl), but no shared memory and no barriers. Measured on SwiftShader, which runs 4 invocations per SIMD group:
//   * every storage load is a per-lane gather of the same cost whatever the address pattern (no fast
//     path for sequential or equal addresses), and loads cost ~80 % of the tiled kernel's time;
//   * workgroup memory is no cheaper than storage, and each barrier is a coroutine switch;
//   * locals in arrays live in memory (array-indexed accumulators ran 5-8x slower).
// So each invocation keeps an 8x8 output block in 16 named vec4 registers and reads its 8 A and 8 B
// values per k straight from the buffers: 16 loads per 64 multiply-adds, against 32 shared reads plus
// tile staging per 64 in the tiled kernel. 64 invocations (8x8) cover a 64x64 tile, as in the tiled
// kernel, so tile counts and split-K are shared. Rows are contiguous per invocation; columns are
// interleaved by 8 so that the block's writes stay within one 64-column stripe.

{{COMMON}}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.total) { return; }
  let tn = w % u.tiles_n;
  var r = w / u.tiles_n;
  let tm = r % u.tiles_m;
  r = r / u.tiles_m;
  let split = r / u.nbatch;
  let o = batch_offsets(r % u.nbatch);
  let kstart = split * u.kchunk;
  let kend = min(u.K, kstart + u.kchunk);
  let m0 = tm * 64u + (lid >> 3u) * 8u;
  let n0 = tn * 64u + (lid & 7u);

  // Rows and columns past the edge are clamped onto the last one, so the k loop needs no bounds tests;
  // their results are never stored.
  let mlast = u.M - 1u;
  let nlast = u.N - 1u;
  let rows = vec4<u32>(0u, 1u, 2u, 3u);
  let cols = vec4<u32>(0u, 8u, 16u, 24u);
  var pa0 = o.a + min(m0 + rows, vec4(mlast)) * u.sam + kstart * u.sak;
  var pa1 = o.a + min(m0 + 4u + rows, vec4(mlast)) * u.sam + kstart * u.sak;
  var pb0 = o.b + min(n0 + cols, vec4(nlast)) * u.sbn + kstart * u.sbk;
  var pb1 = o.b + min(n0 + 32u + cols, vec4(nlast)) * u.sbn + kstart * u.sbk;
  let da = vec4(u.sak);
  let db = vec4(u.sbk);

  // c<i> holds row i, columns 0-3 of the block; d<i> columns 4-7.
  var c0 = vec4(0.0); var c1 = vec4(0.0); var c2 = vec4(0.0); var c3 = vec4(0.0);
  var c4 = vec4(0.0); var c5 = vec4(0.0); var c6 = vec4(0.0); var c7 = vec4(0.0);
  var d0 = vec4(0.0); var d1 = vec4(0.0); var d2 = vec4(0.0); var d3 = vec4(0.0);
  var d4 = vec4(0.0); var d5 = vec4(0.0); var d6 = vec4(0.0); var d7 = vec4(0.0);
  for (var k = kstart; k < kend; k++) {
    let a0 = vec4(A[pa0.x], A[pa0.y], A[pa0.z], A[pa0.w]);
    let a1 = vec4(A[pa1.x], A[pa1.y], A[pa1.z], A[pa1.w]);
    let b0 = vec4(B[pb0.x], B[pb0.y], B[pb0.z], B[pb0.w]);
    let b1 = vec4(B[pb1.x], B[pb1.y], B[pb1.z], B[pb1.w]);
    pa0 += da; pa1 += da; pb0 += db; pb1 += db;
    c0 = fma(vec4(a0.x), b0, c0); d0 = fma(vec4(a0.x), b1, d0);
    c1 = fma(vec4(a0.y), b0, c1); d1 = fma(vec4(a0.y), b1, d1);
    c2 = fma(vec4(a0.z), b0, c2); d2 = fma(vec4(a0.z), b1, d2);
    c3 = fma(vec4(a0.w), b0, c3); d3 = fma(vec4(a0.w), b1, d3);
    c4 = fma(vec4(a1.x), b0, c4); d4 = fma(vec4(a1.x), b1, d4);
    c5 = fma(vec4(a1.y), b0, c5); d5 = fma(vec4(a1.y), b1, d5);
    c6 = fma(vec4(a1.z), b0, c6); d6 = fma(vec4(a1.z), b1, d6);
    c7 = fma(vec4(a1.w), b0, c7); d7 = fma(vec4(a1.w), b1, d7);
  }

  let oc = o.c + split * u.split_stride;
  let bias_on = (u.flags & F_BIAS) != 0u && split == 0u;
  store_row(m0, n0, oc, o.bias, bias_on, c0, d0);
  store_row(m0 + 1u, n0, oc, o.bias, bias_on, c1, d1);
  store_row(m0 + 2u, n0, oc, o.bias, bias_on, c2, d2);
  store_row(m0 + 3u, n0, oc, o.bias, bias_on, c3, d3);
  store_row(m0 + 4u, n0, oc, o.bias, bias_on, c4, d4);
  store_row(m0 + 5u, n0, oc, o.bias, bias_on, c5, d5);
  store_row(m0 + 6u, n0, oc, o.bias, bias_on, c6, d6);
  store_row(m0 + 7u, n0, oc, o.bias, bias_on, c7, d7);
}
