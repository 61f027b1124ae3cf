// The register-blocked product (matmul_reg.wgsl) with A shared across a subgroup, for CPU-emulated
// adapters whose subgroups are 4 consecutive invocations (SwiftShader's SIMD width; src/kernels/probe.ts runs a
// validating probe before choosing this kernel). There loads cost the same per lane whatever the address,
// and the 4 lanes of a subgroup that share rows would each load the same A values: instead lane s loads
// its 16 rows at k + s only, and the four k steps take them from lanes 0-3 by subgroupBroadcast, a
// register shuffle. Per lane and k that is 4 A and 8 B loads for 128 multiply-adds (matmul_reg: 16 for
// 64). 32 invocations of 16x8 blocks cover the same 64x64 tile, so tile counts and split-K are shared.
// Prototype at 512^3 on SwiftShader: ~90 ms against matmul_reg's 115 ms.

#include matmul_common

// Named fields, not an array: SwiftShader keeps arrays of locals in memory. c<i> holds row i, columns
// 0-3 of the block; d<i> columns 4-7.
struct Acc {
  c0: vec4<f32>, d0: vec4<f32>,
  c1: vec4<f32>, d1: vec4<f32>,
  c2: vec4<f32>, d2: vec4<f32>,
  c3: vec4<f32>, d3: vec4<f32>,
  c4: vec4<f32>, d4: vec4<f32>,
  c5: vec4<f32>, d5: vec4<f32>,
  c6: vec4<f32>, d6: vec4<f32>,
  c7: vec4<f32>, d7: vec4<f32>,
  c8: vec4<f32>, d8: vec4<f32>,
  c9: vec4<f32>, d9: vec4<f32>,
  c10: vec4<f32>, d10: vec4<f32>,
  c11: vec4<f32>, d11: vec4<f32>,
  c12: vec4<f32>, d12: vec4<f32>,
  c13: vec4<f32>, d13: vec4<f32>,
  c14: vec4<f32>, d14: vec4<f32>,
  c15: vec4<f32>, d15: vec4<f32>,
}

// One k step on all 16 rows: a<q> holds rows 4q..4q+3 at this k; b0, b1 the block's columns.
fn step(acc: ptr<function, Acc>, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>) {
  (*acc).c0 = fma(vec4(a0.x), b0, (*acc).c0); (*acc).d0 = fma(vec4(a0.x), b1, (*acc).d0);
  (*acc).c1 = fma(vec4(a0.y), b0, (*acc).c1); (*acc).d1 = fma(vec4(a0.y), b1, (*acc).d1);
  (*acc).c2 = fma(vec4(a0.z), b0, (*acc).c2); (*acc).d2 = fma(vec4(a0.z), b1, (*acc).d2);
  (*acc).c3 = fma(vec4(a0.w), b0, (*acc).c3); (*acc).d3 = fma(vec4(a0.w), b1, (*acc).d3);
  (*acc).c4 = fma(vec4(a1.x), b0, (*acc).c4); (*acc).d4 = fma(vec4(a1.x), b1, (*acc).d4);
  (*acc).c5 = fma(vec4(a1.y), b0, (*acc).c5); (*acc).d5 = fma(vec4(a1.y), b1, (*acc).d5);
  (*acc).c6 = fma(vec4(a1.z), b0, (*acc).c6); (*acc).d6 = fma(vec4(a1.z), b1, (*acc).d6);
  (*acc).c7 = fma(vec4(a1.w), b0, (*acc).c7); (*acc).d7 = fma(vec4(a1.w), b1, (*acc).d7);
  (*acc).c8 = fma(vec4(a2.x), b0, (*acc).c8); (*acc).d8 = fma(vec4(a2.x), b1, (*acc).d8);
  (*acc).c9 = fma(vec4(a2.y), b0, (*acc).c9); (*acc).d9 = fma(vec4(a2.y), b1, (*acc).d9);
  (*acc).c10 = fma(vec4(a2.z), b0, (*acc).c10); (*acc).d10 = fma(vec4(a2.z), b1, (*acc).d10);
  (*acc).c11 = fma(vec4(a2.w), b0, (*acc).c11); (*acc).d11 = fma(vec4(a2.w), b1, (*acc).d11);
  (*acc).c12 = fma(vec4(a3.x), b0, (*acc).c12); (*acc).d12 = fma(vec4(a3.x), b1, (*acc).d12);
  (*acc).c13 = fma(vec4(a3.y), b0, (*acc).c13); (*acc).d13 = fma(vec4(a3.y), b1, (*acc).d13);
  (*acc).c14 = fma(vec4(a3.z), b0, (*acc).c14); (*acc).d14 = fma(vec4(a3.z), b1, (*acc).d14);
  (*acc).c15 = fma(vec4(a3.w), b0, (*acc).c15); (*acc).d15 = fma(vec4(a3.w), b1, (*acc).d15);
}

fn ld_a(p: vec4<u32>) -> vec4<f32> { return vec4(A[p.x], A[p.y], A[p.z], A[p.w]); }
fn ld_b(p: vec4<u32>) -> vec4<f32> { return vec4(B[p.x], B[p.y], B[p.z], B[p.w]); }

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.total) { return; }
  let t = tile_of(w);
  let o = t.o;
  let kstart = t.kstart;
  let kend = t.kend;
  // Lanes 0-3 and 4-7 of each group of 8 share rows (so a subgroup does), and interleave columns by 8
  // as in matmul_reg.wgsl.
  let m0 = t.m0 + (lid >> 3u) * 16u;
  let n0 = t.n0 + (lid & 7u);
  let s = lid & 3u;

  // Out-of-range rows and columns are clamped onto the last one and never stored.
  let mlast = vec4(u.M - 1u);
  let nlast = u.N - 1u;
  let rows = vec4<u32>(0u, 1u, 2u, 3u);
  let cols = vec4<u32>(0u, 8u, 16u, 24u);
  let ra0 = o.a + min(m0 + rows, mlast) * u.sam;
  let ra1 = o.a + min(m0 + 4u + rows, mlast) * u.sam;
  let ra2 = o.a + min(m0 + 8u + rows, mlast) * u.sam;
  let ra3 = o.a + min(m0 + 12u + rows, mlast) * u.sam;
  var pb0 = o.b + min(n0 + cols, vec4(nlast)) * u.sbn + kstart * u.sbk;
  var pb1 = o.b + min(n0 + 32u + cols, vec4(nlast)) * u.sbn + kstart * u.sbk;
  let db = vec4(u.sbk);

  var acc: Acc;
  var k = kstart;
  for (; k + 4u <= kend; k += 4u) {
    let ka = vec4((k + s) * u.sak);
    let q0 = ld_a(ra0 + ka); let q1 = ld_a(ra1 + ka); let q2 = ld_a(ra2 + ka); let q3 = ld_a(ra3 + ka);
    step(&acc, subgroupBroadcast(q0, 0u), subgroupBroadcast(q1, 0u), subgroupBroadcast(q2, 0u), subgroupBroadcast(q3, 0u), ld_b(pb0), ld_b(pb1));
    pb0 += db; pb1 += db;
    step(&acc, subgroupBroadcast(q0, 1u), subgroupBroadcast(q1, 1u), subgroupBroadcast(q2, 1u), subgroupBroadcast(q3, 1u), ld_b(pb0), ld_b(pb1));
    pb0 += db; pb1 += db;
    step(&acc, subgroupBroadcast(q0, 2u), subgroupBroadcast(q1, 2u), subgroupBroadcast(q2, 2u), subgroupBroadcast(q3, 2u), ld_b(pb0), ld_b(pb1));
    pb0 += db; pb1 += db;
    step(&acc, subgroupBroadcast(q0, 3u), subgroupBroadcast(q1, 3u), subgroupBroadcast(q2, 3u), subgroupBroadcast(q3, 3u), ld_b(pb0), ld_b(pb1));
    pb0 += db; pb1 += db;
  }
  // The last K % 4 steps: every lane loads its own rows.
  for (; k < kend; k++) {
    let ka = vec4(k * u.sak);
    step(&acc, ld_a(ra0 + ka), ld_a(ra1 + ka), ld_a(ra2 + ka), ld_a(ra3 + ka), ld_b(pb0), ld_b(pb1));
    pb0 += db; pb1 += db;
  }

  let oc = t.oc;
  let bias_on = t.bias_on;
  store_row(m0 + 0u, n0, oc, o.bias, bias_on, false, acc.c0, acc.d0);
  store_row(m0 + 1u, n0, oc, o.bias, bias_on, false, acc.c1, acc.d1);
  store_row(m0 + 2u, n0, oc, o.bias, bias_on, false, acc.c2, acc.d2);
  store_row(m0 + 3u, n0, oc, o.bias, bias_on, false, acc.c3, acc.d3);
  store_row(m0 + 4u, n0, oc, o.bias, bias_on, false, acc.c4, acc.d4);
  store_row(m0 + 5u, n0, oc, o.bias, bias_on, false, acc.c5, acc.d5);
  store_row(m0 + 6u, n0, oc, o.bias, bias_on, false, acc.c6, acc.d6);
  store_row(m0 + 7u, n0, oc, o.bias, bias_on, false, acc.c7, acc.d7);
  store_row(m0 + 8u, n0, oc, o.bias, bias_on, false, acc.c8, acc.d8);
  store_row(m0 + 9u, n0, oc, o.bias, bias_on, false, acc.c9, acc.d9);
  store_row(m0 + 10u, n0, oc, o.bias, bias_on, false, acc.c10, acc.d10);
  store_row(m0 + 11u, n0, oc, o.bias, bias_on, false, acc.c11, acc.d11);
  store_row(m0 + 12u, n0, oc, o.bias, bias_on, false, acc.c12, acc.d12);
  store_row(m0 + 13u, n0, oc, o.bias, bias_on, false, acc.c13, acc.d13);
  store_row(m0 + 14u, n0, oc, o.bias, bias_on, false, acc.c14, acc.d14);
  store_row(m0 + 15u, n0, oc, o.bias, bias_on, false, acc.c15, acc.d15);
}
