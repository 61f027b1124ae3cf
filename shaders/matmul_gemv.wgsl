// GEMV and skinny products (M <= the profile's gemvRows) for CPU-emulated GPUs: matmul.wgsl's mode 4
// problem and uniforms, without its shared-memory tree over K (on SwiftShader every barrier switches
// all SIMD groups of the workgroup: [1024, 64] @ [64, 4] took 60-100 ms that way). Each invocation
// owns 8 consecutive columns and all ROWS rows (a pipeline per row count, so the unused rows' code is
// compiled out), walks K alone and keeps its ROWS x 8 block in named vec4 registers, as matmul_reg.wgsl
// does: per k, 8 B loads and ROWS A loads for 8 ROWS multiply-adds, where the 8x8 register kernel would
// spend 16 loads and compute 8 - ROWS clamped rows for nothing. A workgroup covers 512 columns (gemm()
// sizes the grid and splits K when there are few); w decodes as matmul.wgsl's gemv: (split, batch,
// column tile).

#include matmul_common

const ROWS: u32 = {{ROWS}}u;
// Columns per invocation; a workgroup of 64 covers GEMV_REG_COLS (gemm-kernels.ts) = 512.
const COLS: u32 = 8u;

fn store8(m: u32, n0: u32, oc: u32, ob: u32, bias_on: bool, lo: vec4<f32>, hi: vec4<f32>) {
  for (var j = 0u; j < COLS; j++) {
    let n = n0 + j;
    if (n >= u.N) { return; }
    var v = select(lo[j & 3u], hi[j & 3u], j >= 4u);
    if (bias_on) { v += BIAS[ob + m * u.sbias_m + n * u.sbias_n]; }
    C[oc + m * u.scm + n * u.scn] = v;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.total) { return; }
  let tn = w % u.tiles_n;
  let r = w / u.tiles_n;
  let split = r / u.nbatch;
  let o = batch_offsets(r % u.nbatch);
  let kstart = split * u.kchunk;
  let kend = min(u.K, kstart + u.kchunk);
  let n0 = (tn * 64u + lid) * COLS;
  if (n0 >= u.N) { return; }

  // Columns past the edge are clamped onto the last one (never stored), so the k loop has no tests.
  let nlast = vec4(u.N - 1u);
  let c4 = vec4<u32>(0u, 1u, 2u, 3u);
  var pb0 = o.b + min(n0 + c4, nlast) * u.sbn + kstart * u.sbk;
  var pb1 = o.b + min(n0 + 4u + c4, nlast) * u.sbn + kstart * u.sbk;
  let db = vec4(u.sbk);
  let mlast = vec4(u.M - 1u);
  var pa0 = o.a + min(c4, mlast) * u.sam + kstart * u.sak;
  var pa1 = o.a + min(4u + c4, mlast) * u.sam + kstart * u.sak;
  let da = vec4(u.sak);

  var l0 = vec4(0.0); var h0 = vec4(0.0); var l1 = vec4(0.0); var h1 = vec4(0.0);
  var l2 = vec4(0.0); var h2 = vec4(0.0); var l3 = vec4(0.0); var h3 = vec4(0.0);
  var l4 = vec4(0.0); var h4 = vec4(0.0); var l5 = vec4(0.0); var h5 = vec4(0.0);
  var l6 = vec4(0.0); var h6 = vec4(0.0); var l7 = vec4(0.0); var h7 = vec4(0.0);
  for (var k = kstart; k < kend; k++) {
    let b0 = vec4(B[pb0.x], B[pb0.y], B[pb0.z], B[pb0.w]);
    let b1 = vec4(B[pb1.x], B[pb1.y], B[pb1.z], B[pb1.w]);
    let a0 = A[pa0.x];
    l0 += a0 * b0; h0 += a0 * b1;
    if (ROWS > 1u) { let a = A[pa0.y]; l1 += a * b0; h1 += a * b1; }
    if (ROWS > 2u) { let a = A[pa0.z]; l2 += a * b0; h2 += a * b1; }
    if (ROWS > 3u) { let a = A[pa0.w]; l3 += a * b0; h3 += a * b1; }
    if (ROWS > 4u) { let a = A[pa1.x]; l4 += a * b0; h4 += a * b1; }
    if (ROWS > 5u) { let a = A[pa1.y]; l5 += a * b0; h5 += a * b1; }
    if (ROWS > 6u) { let a = A[pa1.z]; l6 += a * b0; h6 += a * b1; }
    if (ROWS > 7u) { let a = A[pa1.w]; l7 += a * b0; h7 += a * b1; }
    pb0 += db; pb1 += db;
    pa0 += da; pa1 += da;
  }

  let oc = o.c + split * u.split_stride;
  let bias_on = (u.flags & F_BIAS) != 0u && split == 0u;
  store8(0u, n0, oc, o.bias, bias_on, l0, h0);
  if (ROWS > 1u && u.M > 1u) { store8(1u, n0, oc, o.bias, bias_on, l1, h1); }
  if (ROWS > 2u && u.M > 2u) { store8(2u, n0, oc, o.bias, bias_on, l2, h2); }
  if (ROWS > 3u && u.M > 3u) { store8(3u, n0, oc, o.bias, bias_on, l3, h3); }
  if (ROWS > 4u && u.M > 4u) { store8(4u, n0, oc, o.bias, bias_on, l4, h4); }
  if (ROWS > 5u && u.M > 5u) { store8(5u, n0, oc, o.bias, bias_on, l5, h5); }
  if (ROWS > 6u && u.M > 6u) { store8(6u, n0, oc, o.bias, bias_on, l6, h6); }
  if (ROWS > 7u && u.M > 7u) { store8(7u, n0, oc, o.bias, bias_on, l7, h7); }
}
