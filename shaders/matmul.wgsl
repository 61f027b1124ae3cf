// Matrix products, batched, over strided operands: C[b] = A[b] B[b] (+ bias). One source, several
// pipelines chosen by MODE:
//   0  matmul: A and B read in place through strides, so transposed, sliced and broadcast operands
//      cost no copy; batch offsets come from per-operand batch strides (0 where broadcast).
//   1  conv2d forward as implicit GEMM: A = weights [Og, Cg*KH*KW] per group, B = the im2col matrix of
//      x [Cg*KH*KW, N*OH*OW] gathered on the fly (never stored), C scattered back to NCHW.
//   2  conv2d input gradient: A = weights regrouped [Cg, Og*KH*KW], B gathers dY through the stride
//      (the transposed convolution), C = dX in NCHW.
//   3  conv2d weight gradient: A = dY [Og, N*OH*OW], B = im2col(x) transposed, C = dW.
//   4  GEMV and skinny products (M <= 4): lanes of a workgroup split K and reduce in shared memory.
//   5  sums split-K partial results.
// Modes 0-3 share the tiled core: a 64x64 output tile per workgroup, 16x16 threads each holding a 4x4
// register block, K in steps of 16 through shared memory, the next step's loads issued before the
// current step's arithmetic. Workgroup index w covers (split, batch, tile row, tile column), so huge
// batches spill into the grid's y dimension instead of past the 65,535 limit.

#include matmul_common

// A placeholder, not an override: SwiftShader keeps override branches and runs them twice as slow.
const MODE: u32 = {{MODE}}u;

// F_A_KFAST: A's tile is loaded with k varying fastest across threads; F_B_NFAST: B's tile with n.

// [k][m / 4] and [k][n / 4]: a thread reads its 4 rows and 4 columns as one vec4 each. Rows are padded
// to 17 vec4s: loading along k, 16 lanes store 16 different rows, which at a stride of 16 vec4s (64
// words) would all hit one bank.
const ROW: u32 = 17u;
var<workgroup> As: array<vec4<f32>, 272>;
var<workgroup> Bs: array<vec4<f32>, 272>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.total) { return; }
  if (MODE == 5u) {
    sum_splits(w * 256u + lid);
  } else if (MODE == 4u) {
    gemv(w, lid);
  } else {
    tiled(w, lid);
  }
}

fn sum_splits(i: u32) {
  if (i >= u.M) { return; }
  var s = 0.0;
  for (var p = 0u; p < u.K; p++) { s += A[p * u.split_stride + i]; }
  C[u.off_c + i] = s;
}

fn tiled(w: u32, lid: u32) {
  let t = tile_of(w);
  let o = t.o;
  let oc = t.oc;
  let kstart = t.kstart;
  let kend = t.kend;
  let m0 = t.m0;
  let n0 = t.n0;
  let tx = lid & 15u;
  let ty = lid >> 4u;
  let KHKW = u.cv_a.w;

  // Where this thread's 4 A elements and 4 B elements of each K step sit in the tiles, and the parts of
  // their addresses that do not change with k.
  let a_kfast = (u.flags & F_A_KFAST) != 0u;
  var a_mm: vec4<u32>;
  var a_kk: vec4<u32>;
  var a_row: vec4<u32>;
  var a_ok: vec4<bool>;
  for (var i = 0u; i < 4u; i++) {
    a_mm[i] = select(lid & 63u, (lid >> 4u) + 16u * i, a_kfast);
    a_kk[i] = select((lid >> 6u) + 4u * i, lid & 15u, a_kfast);
    a_row[i] = o.a + (m0 + a_mm[i]) * u.sam;
    a_ok[i] = m0 + a_mm[i] < u.M;
  }
  var b_nn: vec4<u32>;
  var b_kk: vec4<u32>;
  var b_col: vec4<u32>;
  var b_y: vec4<i32>;
  var b_x: vec4<i32>;
  var b_ok: vec4<bool>;
  let b_nfast = (u.flags & F_B_NFAST) != 0u;
  for (var i = 0u; i < 4u; i++) {
    if (MODE == 0u) {
      b_nn[i] = select((lid >> 4u) + 16u * i, lid & 63u, b_nfast);
      b_kk[i] = select(lid & 15u, (lid >> 6u) + 4u * i, b_nfast);
    } else {
      // Conv gathers: one k per thread per step, so its (channel, ky, kx) is decoded once per step.
      b_nn[i] = (lid & 15u) * 4u + i;
      b_kk[i] = lid >> 4u;
    }
    let n = n0 + b_nn[i];
    b_ok[i] = n < u.N;
    if (MODE == 0u) {
      b_col[i] = o.b + n * u.sbn;
    } else if (MODE == 1u) {
      let col = im2col_col(n);
      b_col[i] = o.b + col.base;
      b_y[i] = col.y;
      b_x[i] = col.x;
    } else if (MODE == 2u) {
      let hw = u.cv_a.x * u.cv_a.y;
      let img = n / hw;
      let p = n % hw;
      b_col[i] = o.b + img * u.gs.x;
      b_y[i] = i32(p / u.cv_a.y) + u.cv_sp.z;
      b_x[i] = i32(p % u.cv_a.y) + u.cv_sp.w;
    } else {
      let c = n / KHKW;
      let kyx = n % KHKW;
      b_col[i] = o.b + c * u.xs.y;
      b_y[i] = i32(kyx / u.cv_a.z) * u.cv_b.z - u.cv_sp.z;
      b_x[i] = i32(kyx % u.cv_a.z) * u.cv_b.w - u.cv_sp.w;
    }
  }

  var acc: array<vec4<f32>, 4>;
  var ra = vec4<f32>(0.0);
  var rb = vec4<f32>(0.0);
  let nsteps = (max(kend, kstart) - kstart + 15u) / 16u;
  var k0 = kstart;
  if (nsteps > 0u) {
    ra = load_a(k0, kend, a_kk, a_row, a_ok);
    rb = load_b(k0, kend, b_kk, b_col, b_y, b_x, b_ok);
  }
  for (var t = 0u; t < nsteps; t++) {
    if (MODE == 0u) {
      for (var i = 0u; i < 4u; i++) { Bs[b_kk[i] * ROW + (b_nn[i] >> 2u)][b_nn[i] & 3u] = rb[i]; }
    } else {
      Bs[b_kk[0] * ROW + (lid & 15u)] = rb;
    }
    for (var i = 0u; i < 4u; i++) { As[a_kk[i] * ROW + (a_mm[i] >> 2u)][a_mm[i] & 3u] = ra[i]; }
    workgroupBarrier();
    k0 += 16u;
    if (t + 1u < nsteps) {
      ra = load_a(k0, kend, a_kk, a_row, a_ok);
      rb = load_b(k0, kend, b_kk, b_col, b_y, b_x, b_ok);
    }
    for (var kk = 0u; kk < 16u; kk++) {
      let a = As[kk * ROW + ty];
      let b = Bs[kk * ROW + tx];
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    workgroupBarrier();
  }

  // Store, adding the bias once (split 0). Conv modes scatter columns back to NCHW.
  let bias_on = t.bias_on;
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + tx * 4u + j;
    if (n >= u.N) { continue; }
    var col = n * u.scn;
    if (MODE == 1u) {
      col = out_col(n, true);
    } else if (MODE == 2u) {
      let hw = u.cv_a.x * u.cv_a.y;
      col = (n / hw) * u.scn + n % hw;
    }
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + ty * 4u + i;
      if (m >= u.M) { continue; }
      var v = acc[i][j];
      if (bias_on) { v += BIAS[o.bias + m * u.sbias_m + n * u.sbias_n]; }
      C[oc + m * u.scm + col] = v;
    }
  }
}

fn load_a(k0: u32, kend: u32, kk: vec4<u32>, row: vec4<u32>, ok: vec4<bool>) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (MODE == 3u) {
    // A = dY: k runs over (image, output position), the same k for all 4 of this thread's rows.
    let k = k0 + kk[0];
    if (k < kend) {
      let P = u32(u.cv_b.x * u.cv_b.y);
      let img = k / P;
      let p = k % P;
      let koff = img * u.gs.x + (p / u32(u.cv_b.y)) * u.gs.z + (p % u32(u.cv_b.y)) * u.gs.w;
      for (var i = 0u; i < 4u; i++) {
        if (ok[i]) { v[i] = A[row[i] + koff]; }
      }
    }
    return v;
  }
  for (var i = 0u; i < 4u; i++) {
    let k = k0 + kk[i];
    if (ok[i] && k < kend) { v[i] = A[row[i] + k * u.sak]; }
  }
  return v;
}

fn load_b(k0: u32, kend: u32, kk: vec4<u32>, col: vec4<u32>, by: vec4<i32>, bx: vec4<i32>, ok: vec4<bool>) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (MODE == 0u) {
    for (var i = 0u; i < 4u; i++) {
      let k = k0 + kk[i];
      if (ok[i] && k < kend) { v[i] = B[col[i] + k * u.sbk]; }
    }
    return v;
  }
  let k = k0 + kk[0];
  if (k >= kend) { return v; }
  let H = i32(u.cv_a.x);
  let W = i32(u.cv_a.y);
  if (MODE == 1u) {
    let r = im2col_row(k);
    for (var i = 0u; i < 4u; i++) {
      let iy = by[i] + r.dy;
      let ix = bx[i] + r.dx;
      if (ok[i] && iy >= 0 && iy < H && ix >= 0 && ix < W) { v[i] = B[col[i] + r.off + u32(iy) * u.xs.z + u32(ix) * u.xs.w]; }
    }
  } else if (MODE == 2u) {
    // dY at the output position whose window puts tap (ky, kx) on this input pixel, if the stride
    // lands one there: the transposed convolution, as a gather.
    let o = k / u.cv_a.w;
    let kyx = k % u.cv_a.w;
    let dy = i32(kyx / u.cv_a.z) * u.cv_b.z;
    let dx = i32(kyx % u.cv_a.z) * u.cv_b.w;
    let coff = o * u.gs.y;
    let OH = u.cv_b.x;
    let OW = u.cv_b.y;
    for (var i = 0u; i < 4u; i++) {
      let ny = by[i] - dy;
      let nx = bx[i] - dx;
      if (ok[i] && ny >= 0 && nx >= 0) {
        let oy = ny / u.cv_sp.x;
        let ox = nx / u.cv_sp.y;
        if (oy * u.cv_sp.x == ny && ox * u.cv_sp.y == nx && oy < OH && ox < OW) {
          v[i] = B[col[i] + coff + u32(oy) * u.gs.z + u32(ox) * u.gs.w];
        }
      }
    }
  } else {
    // im2col(x) transposed: k = (image, oy, ox), column = (c, ky, kx)
    let P = u32(u.cv_b.x * u.cv_b.y);
    let img = k / P;
    let p = k % P;
    let y0 = i32(p / u32(u.cv_b.y)) * u.cv_sp.x;
    let x0 = i32(p % u32(u.cv_b.y)) * u.cv_sp.y;
    let koff = img * u.xs.x;
    for (var i = 0u; i < 4u; i++) {
      let iy = y0 + by[i];
      let ix = x0 + bx[i];
      if (ok[i] && iy >= 0 && iy < H && ix >= 0 && ix < W) { v[i] = B[col[i] + koff + u32(iy) * u.xs.z + u32(ix) * u.xs.w]; }
    }
  }
  return v;
}

// GEMV and skinny products: C[m, n] = sum_k A[m, k] B[k, n] for M <= 4 rows, each B element loaded once
// and used for every row. gv_nt columns per workgroup, 256 / gv_nt lanes along K for each; F_A_KFAST
// here means B is read along k (lanes of a column adjacent), else along n (columns adjacent), whichever
// keeps neighbouring lanes on neighbouring addresses. The lanes' partial sums meet in shared memory.
fn gemv(w: u32, lid: u32) {
  let tn = w % u.tiles_n;
  let r = w / u.tiles_n;
  let split = r / u.nbatch;
  let o = batch_offsets(r % u.nbatch);
  let kstart = split * u.kchunk;
  let kend = min(u.K, kstart + u.kchunk);
  let nt = u.gv_nt;
  let kt = 256u / nt;
  let kfast = (u.flags & F_A_KFAST) != 0u;
  let col = select(lid % nt, lid / kt, kfast);
  let kl = select(lid / nt, lid % kt, kfast);
  let n = tn * nt + col;
  let rows = u.M;
  var acc = vec4<f32>(0.0);
  if (n < u.N) {
    let bcol = o.b + n * u.sbn;
    var acc1 = vec4<f32>(0.0);
    var k = kstart + kl;
    // Two independent chains: the loop is latency-bound on the loads.
    for (; k + kt < kend; k += 2u * kt) {
      let b0 = B[bcol + k * u.sbk];
      let b1 = B[bcol + (k + kt) * u.sbk];
      for (var m = 0u; m < rows; m++) {
        let am = o.a + m * u.sam;
        acc[m] += A[am + k * u.sak] * b0;
        acc1[m] += A[am + (k + kt) * u.sak] * b1;
      }
    }
    if (k < kend) {
      let b0 = B[bcol + k * u.sbk];
      for (var m = 0u; m < rows; m++) { acc[m] += A[o.a + m * u.sam + k * u.sak] * b0; }
    }
    acc += acc1;
  }
  As[lid] = acc;
  workgroupBarrier();
  for (var s = kt >> 1u; s > 0u; s = s >> 1u) {
    if (kl < s) {
      As[lid] += As[select((kl + s) * nt + col, col * kt + kl + s, kfast)];
    }
    workgroupBarrier();
  }
  if (kl == 0u && n < u.N) {
    let sum = As[lid];
    let bias_on = (u.flags & F_BIAS) != 0u && split == 0u;
    let oc = o.c + split * u.split_stride + n * u.scn;
    for (var m = 0u; m < rows; m++) {
      var v = sum[m];
      if (bias_on) { v += BIAS[o.bias + m * u.sbias_m + n * u.sbias_n]; }
      C[oc + m * u.scm] = v;
    }
  }
}
