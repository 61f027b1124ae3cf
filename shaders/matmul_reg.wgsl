// Matrix product for CPU-emulated GPUs (SwiftShader): the same problem, uniforms and bindings as
// matmul.wgsl's modes 0 and 1 (matmul_common.wgsl), but no shared memory and no barriers. Measured on
// SwiftShader, which runs 4 invocations per SIMD group:
//   * every storage load is a per-lane gather of the same cost whatever the address pattern (no fast
//     path for sequential or equal addresses), and loads cost ~80 % of the tiled kernel's time;
//   * workgroup memory is no cheaper than storage, and each barrier is a coroutine switch;
//   * locals in arrays live in memory (array-indexed accumulators ran 5-8x slower).
// So each invocation keeps an 8x8 output block in 16 named vec4 registers and reads its 8 A and 8 B
// values per k straight from the buffers: 16 loads per 64 multiply-adds, against 32 shared reads plus
// tile staging per 64 in the tiled kernel. 64 invocations (8x8) cover a 64x64 tile, as in the tiled
// kernel, so tile counts and split-K are shared. Rows are contiguous per invocation; columns are
// interleaved by 8 so that the block's writes stay within one 64-column stripe.
//
// MODE 1 is conv2d forward, as matmul.wgsl's mode 1: B is the im2col matrix of x,
// gathered on the fly. A div/mod decode per element would cost more than the multiply-adds, so each
// column's window is decoded once, and k walks (channel, ky, kx) by counters: per k, a B address is
// the column's pointer plus one offset shared by all 8 columns, and the padding test is two unsigned
// compares per column (a negative position wraps past H or W).
//
// MODE 2 is conv2d's input gradient (matmul.wgsl's mode 2): A is the regrouped weight, read as in
// MODE 0; B gathers dY. Column n is an input pixel (image, iy, ix), k a tap (output channel, ky, kx),
// walked by counters as in MODE 1; the pixel takes dY at ((iy + ph - ky*dh) / sh, (ix + pw - kx*dw) / sw)
// when both divide exactly and land inside dY.
// MODE 3 is conv2d's weight gradient (matmul.wgsl's mode 3): A is dY, k runs over (image, oy, ox) by
// counters, and one offset per k serves all 8 rows; B is im2col(x) transposed, column n a tap
// (channel, ky, kx) whose displacement is decoded once, so per k a B address is the column's pointer
// plus one offset shared by all 8 columns, as in MODE 1.

#include matmul_common

const MODE: u32 = {{MODE}}u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.total) { return; }
  let t = tile_of(w);
  let o = t.o;
  let kstart = t.kstart;
  let kend = t.kend;
  let m0 = t.m0 + (lid >> 3u) * 8u;
  let n0 = t.n0 + (lid & 7u);
  // Without barriers an invocation whose whole block lies past the edge can leave at once: with few
  // rows (conv2d's 6 or 16 output channels against a 64-row tile) that is most of them.
  if (m0 >= u.M || n0 >= u.N) { return; }

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

  // Conv: each column's window top-left (y, x) and its pointer to x there, wrapping below 0 in u32;
  // tap (dy, dx) of channel offset coff is then at pointer + coff + dy * xs.z + dx * xs.w.
  var y0 = vec4(0); var x0 = vec4(0); var y1 = vec4(0); var x1 = vec4(0);
  var tap = Im2colRow(0u, 0, 0);
  if (MODE == 1u) {
    let w0 = windows(o.b, min(n0 + cols, vec4(nlast)));
    let w1 = windows(o.b, min(n0 + 32u + cols, vec4(nlast)));
    pb0 = w0.p; y0 = w0.y; x0 = w0.x;
    pb1 = w1.p; y1 = w1.y; x1 = w1.x;
    tap = im2col_row(kstart);
  }
  // MODE 2: each column's (iy + ph, ix + pw) and image pointer into dY; the tap counters as in MODE 1.
  // MODE 3: each column's tap displacement (ky*dh - ph, kx*dw - pw) and pointer, and (image, oy, ox).
  var img = 0u; var oy = 0u; var ox = 0u;
  if (MODE == 2u) {
    let c0 = dx_cols(o.b, min(n0 + cols, vec4(nlast)));
    let c1 = dx_cols(o.b, min(n0 + 32u + cols, vec4(nlast)));
    pb0 = c0.p; y0 = c0.y; x0 = c0.x;
    pb1 = c1.p; y1 = c1.y; x1 = c1.x;
    tap = Im2colRow((kstart / u.cv_a.w) * u.gs.y, i32((kstart % u.cv_a.w) / u.cv_a.z) * u.cv_b.z, i32(kstart % u.cv_a.z) * u.cv_b.w);
  } else if (MODE == 3u) {
    let c0 = dw_cols(o.b, min(n0 + cols, vec4(nlast)));
    let c1 = dw_cols(o.b, min(n0 + 32u + cols, vec4(nlast)));
    pb0 = c0.p; y0 = c0.y; x0 = c0.x;
    pb1 = c1.p; y1 = c1.y; x1 = c1.x;
    pa0 = o.a + min(m0 + rows, vec4(mlast)) * u.sam;
    pa1 = o.a + min(m0 + 4u + rows, vec4(mlast)) * u.sam;
    let P = u32(u.cv_b.x * u.cv_b.y);
    img = kstart / P;
    oy = (kstart % P) / u32(u.cv_b.y);
    ox = kstart % u32(u.cv_b.y);
  }
  let hw = vec2(u.cv_a.x, u.cv_a.y);
  let dil = vec2(u.cv_b.z, u.cv_b.w);
  let kw_end = i32(u.cv_a.z) * u.cv_b.w;
  let kh_end = i32(u.cv_a.w / u.cv_a.z) * u.cv_b.z;

  // c<i> holds row i, columns 0-3 of the block; d<i> columns 4-7.
  var c0 = vec4(0.0); var c1 = vec4(0.0); var c2 = vec4(0.0); var c3 = vec4(0.0);
  var c4 = vec4(0.0); var c5 = vec4(0.0); var c6 = vec4(0.0); var c7 = vec4(0.0);
  var d0 = vec4(0.0); var d1 = vec4(0.0); var d2 = vec4(0.0); var d3 = vec4(0.0);
  var d4 = vec4(0.0); var d5 = vec4(0.0); var d6 = vec4(0.0); var d7 = vec4(0.0);
  for (var k = kstart; k < kend; k++) {
    var a0: vec4<f32>;
    var a1: vec4<f32>;
    var b0: vec4<f32>;
    var b1: vec4<f32>;
    if (MODE == 3u) {
      let ka = vec4(img * u.gs.x + oy * u.gs.z + ox * u.gs.w);
      let qa0 = pa0 + ka;
      let qa1 = pa1 + ka;
      a0 = vec4(A[qa0.x], A[qa0.y], A[qa0.z], A[qa0.w]);
      a1 = vec4(A[qa1.x], A[qa1.y], A[qa1.z], A[qa1.w]);
    } else {
      a0 = vec4(A[pa0.x], A[pa0.y], A[pa0.z], A[pa0.w]);
      a1 = vec4(A[pa1.x], A[pa1.y], A[pa1.z], A[pa1.w]);
    }
    if (MODE == 0u) {
      b0 = vec4(B[pb0.x], B[pb0.y], B[pb0.z], B[pb0.w]);
      b1 = vec4(B[pb1.x], B[pb1.y], B[pb1.z], B[pb1.w]);
      pb0 += db; pb1 += db;
    } else if (MODE == 2u) {
      // dY row and column this tap reads for each pixel: exact multiples of the stride inside dY only.
      let sy = u.cv_sp.x;
      let sx = u.cv_sp.y;
      let ny0 = y0 - tap.dy; let nx0 = x0 - tap.dx;
      let ny1 = y1 - tap.dy; let nx1 = x1 - tap.dx;
      let gy0 = ny0 / sy; let gx0 = nx0 / sx;
      let gy1 = ny1 / sy; let gx1 = nx1 / sx;
      let oh = vec4(u32(u.cv_b.x));
      let ow = vec4(u32(u.cv_b.y));
      // A negative ny wraps past OH as u32, and a negative exact quotient times the stride still
      // equals it, so the unsigned bound test also rejects the negatives.
      let ok0 = (gy0 * sy == ny0) & (gx0 * sx == nx0) & (vec4<u32>(gy0) < oh) & (vec4<u32>(gx0) < ow);
      let ok1 = (gy1 * sy == ny1) & (gx1 * sx == nx1) & (vec4<u32>(gy1) < oh) & (vec4<u32>(gx1) < ow);
      let q0 = select(vec4(o.b), pb0 + tap.off + vec4<u32>(gy0) * u.gs.z + vec4<u32>(gx0) * u.gs.w, ok0);
      let q1 = select(vec4(o.b), pb1 + tap.off + vec4<u32>(gy1) * u.gs.z + vec4<u32>(gx1) * u.gs.w, ok1);
      b0 = select(vec4(0.0), vec4(B[q0.x], B[q0.y], B[q0.z], B[q0.w]), ok0);
      b1 = select(vec4(0.0), vec4(B[q1.x], B[q1.y], B[q1.z], B[q1.w]), ok1);
      tap.dx += dil.y;
      let wrap_x = tap.dx == kw_end;
      tap.dx = select(tap.dx, 0, wrap_x);
      tap.dy = select(tap.dy, tap.dy + dil.x, wrap_x);
      let wrap_y = tap.dy == kh_end;
      tap.dy = select(tap.dy, 0, wrap_y);
      tap.off = select(tap.off, tap.off + u.gs.y, wrap_y);
    } else if (MODE == 3u) {
      // Window top-left of output position (oy, ox); each column adds its tap displacement.
      let wy = i32(oy) * u.cv_sp.x;
      let wx = i32(ox) * u.cv_sp.y;
      let koff = vec4(img * u.xs.x + u32(wy) * u.xs.z + u32(wx) * u.xs.w);
      let ok0 = (vec4<u32>(y0 + wy) < vec4(hw.x)) & (vec4<u32>(x0 + wx) < vec4(hw.y));
      let ok1 = (vec4<u32>(y1 + wy) < vec4(hw.x)) & (vec4<u32>(x1 + wx) < vec4(hw.y));
      let q0 = select(vec4(o.b), pb0 + koff, ok0);
      let q1 = select(vec4(o.b), pb1 + koff, ok1);
      b0 = select(vec4(0.0), vec4(B[q0.x], B[q0.y], B[q0.z], B[q0.w]), ok0);
      b1 = select(vec4(0.0), vec4(B[q1.x], B[q1.y], B[q1.z], B[q1.w]), ok1);
      ox += 1u;
      let wrap_x = ox == u32(u.cv_b.y);
      ox = select(ox, 0u, wrap_x);
      oy = select(oy, oy + 1u, wrap_x);
      let wrap_y = oy == u32(u.cv_b.x);
      oy = select(oy, 0u, wrap_y);
      img = select(img, img + 1u, wrap_y);
    } else {
      let koff = vec4(tap.off + u32(tap.dy) * u.xs.z + u32(tap.dx) * u.xs.w);
      let ok0 = (vec4<u32>(y0 + tap.dy) < vec4(hw.x)) & (vec4<u32>(x0 + tap.dx) < vec4(hw.y));
      let ok1 = (vec4<u32>(y1 + tap.dy) < vec4(hw.x)) & (vec4<u32>(x1 + tap.dx) < vec4(hw.y));
      // Padding reads stay at the image's own pointer, in bounds, and are zeroed.
      let q0 = select(vec4(o.b), pb0 + koff, ok0);
      let q1 = select(vec4(o.b), pb1 + koff, ok1);
      b0 = select(vec4(0.0), vec4(B[q0.x], B[q0.y], B[q0.z], B[q0.w]), ok0);
      b1 = select(vec4(0.0), vec4(B[q1.x], B[q1.y], B[q1.z], B[q1.w]), ok1);
      // Next tap: kx, then ky, then the channel, without branches.
      tap.dx += dil.y;
      let wrap_x = tap.dx == kw_end;
      tap.dx = select(tap.dx, 0, wrap_x);
      tap.dy = select(tap.dy, tap.dy + dil.x, wrap_x);
      let wrap_y = tap.dy == kh_end;
      tap.dy = select(tap.dy, 0, wrap_y);
      tap.off = select(tap.off, tap.off + u.xs.y, wrap_y);
    }
    if (MODE != 3u) { pa0 += da; pa1 += da; }
    c0 = fma(vec4(a0.x), b0, c0); d0 = fma(vec4(a0.x), b1, d0);
    c1 = fma(vec4(a0.y), b0, c1); d1 = fma(vec4(a0.y), b1, d1);
    c2 = fma(vec4(a0.z), b0, c2); d2 = fma(vec4(a0.z), b1, d2);
    c3 = fma(vec4(a0.w), b0, c3); d3 = fma(vec4(a0.w), b1, d3);
    c4 = fma(vec4(a1.x), b0, c4); d4 = fma(vec4(a1.x), b1, d4);
    c5 = fma(vec4(a1.y), b0, c5); d5 = fma(vec4(a1.y), b1, d5);
    c6 = fma(vec4(a1.z), b0, c6); d6 = fma(vec4(a1.z), b1, d6);
    c7 = fma(vec4(a1.w), b0, c7); d7 = fma(vec4(a1.w), b1, d7);
  }

  let oc = t.oc;
  if (MODE == 2u) {
    store_dx(m0, n0, oc, c0, d0);
    store_dx(m0 + 1u, n0, oc, c1, d1);
    store_dx(m0 + 2u, n0, oc, c2, d2);
    store_dx(m0 + 3u, n0, oc, c3, d3);
    store_dx(m0 + 4u, n0, oc, c4, d4);
    store_dx(m0 + 5u, n0, oc, c5, d5);
    store_dx(m0 + 6u, n0, oc, c6, d6);
    store_dx(m0 + 7u, n0, oc, c7, d7);
    return;
  }
  let bias_on = t.bias_on;
  let im2col = MODE == 1u;
  store_row(m0, n0, oc, o.bias, bias_on, im2col, c0, d0);
  store_row(m0 + 1u, n0, oc, o.bias, bias_on, im2col, c1, d1);
  store_row(m0 + 2u, n0, oc, o.bias, bias_on, im2col, c2, d2);
  store_row(m0 + 3u, n0, oc, o.bias, bias_on, im2col, c3, d3);
  store_row(m0 + 4u, n0, oc, o.bias, bias_on, im2col, c4, d4);
  store_row(m0 + 5u, n0, oc, o.bias, bias_on, im2col, c5, d5);
  store_row(m0 + 6u, n0, oc, o.bias, bias_on, im2col, c6, d6);
  store_row(m0 + 7u, n0, oc, o.bias, bias_on, im2col, c7, d7);
}

struct Windows {
  p: vec4<u32>,
  y: vec4<i32>,
  x: vec4<i32>,
}

// Four im2col columns' window pointers and top-left positions, by component (a dynamically indexed
// vector would live in memory).
fn windows(ob: u32, n: vec4<u32>) -> Windows {
  let e0 = im2col_col(n.x);
  let e1 = im2col_col(n.y);
  let e2 = im2col_col(n.z);
  let e3 = im2col_col(n.w);
  let y = vec4(e0.y, e1.y, e2.y, e3.y);
  let x = vec4(e0.x, e1.x, e2.x, e3.x);
  let p = ob + vec4(e0.base, e1.base, e2.base, e3.base) + vec4<u32>(y) * u.xs.z + vec4<u32>(x) * u.xs.w;
  return Windows(p, y, x);
}

// MODE 2's columns: input pixel n = (image, iy, ix) of an H x W image; (iy + ph, ix + pw) and dY's image pointer.
fn dx_cols(ob: u32, n: vec4<u32>) -> Windows {
  let hw = u.cv_a.x * u.cv_a.y;
  let p = n % vec4(hw);
  let y = vec4<i32>(p / vec4(u.cv_a.y)) + vec4(u.cv_sp.z);
  let x = vec4<i32>(p % vec4(u.cv_a.y)) + vec4(u.cv_sp.w);
  return Windows(ob + (n / vec4(hw)) * u.gs.x, y, x);
}

// MODE 3's columns: tap n = (channel, ky, kx); its displacement from the window's top-left, less the
// padding, and the pointer to x there (wrapping in u32 when negative).
fn dw_cols(ob: u32, n: vec4<u32>) -> Windows {
  let kk = u.cv_a.w;
  let kyx = n % vec4(kk);
  let y = vec4<i32>(kyx / vec4(u.cv_a.z)) * u.cv_b.z - u.cv_sp.z;
  let x = vec4<i32>(kyx % vec4(u.cv_a.z)) * u.cv_b.w - u.cv_sp.w;
  return Windows(ob + (n / vec4(kk)) * u.xs.y + vec4<u32>(y) * u.xs.z + vec4<u32>(x) * u.xs.w, y, x);
}

// MODE 2's store: column n = (image, pixel) lands at image * scn + pixel; no bias.
fn store_dx(m: u32, n0: u32, oc: u32, lo: vec4<f32>, hi: vec4<f32>) {
  if (m >= u.M) { return; }
  let hw = u.cv_a.x * u.cv_a.y;
  for (var j = 0u; j < 8u; j++) {
    let n = n0 + 8u * j;
    if (n >= u.N) { return; }
    C[oc + m * u.scm + (n / hw) * u.scn + n % hw] = select(lo[j & 3u], hi[j & 3u], j >= 4u);
  }
}
