// What every matmul kernel shares: the Params (GemmParams in src/kernels/gemm-kernels.ts: one layout
// for all kernels, so one uniform writer serves them, with the F_* flags), the bindings, and the batch
// offsets. Included by matmul.wgsl, matmul_reg.wgsl and matmul_sg.wgsl.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> BIAS: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

struct Offsets {
  a: u32,
  b: u32,
  c: u32,
  bias: u32,
}

// Batch index -> each operand's offset, over up to 4 merged batch dimensions (0 stride = broadcast).
fn batch_offsets(bi: u32) -> Offsets {
  var o = Offsets(u.off_a, u.off_b, u.off_c, u.off_bias);
  var rem = bi;
  for (var d = i32(u.nbd) - 1; d >= 0; d--) {
    let sz = u.bshape[d];
    let i = rem % sz;
    rem = rem / sz;
    o.a += i * u.bsa[d];
    o.b += i * u.bsb[d];
    o.c += i * u.bsc[d];
    o.bias += i * u.bsbias[d];
  }
  return o;
}

// What workgroup w computes, as gemm() sizes the grid: w covers (split, batch, tile row, tile column).
// m0/n0 are the 64x64 tile's first row and column, oc where its output (or split's partial sums) starts;
// the bias is added once, by split 0.
struct Tile {
  m0: u32,
  n0: u32,
  o: Offsets,
  oc: u32,
  kstart: u32,
  kend: u32,
  bias_on: bool,
}

fn tile_of(w: u32) -> Tile {
  let tn = w % u.tiles_n;
  var r = w / u.tiles_n;
  let tm = r % u.tiles_m;
  r = r / u.tiles_m;
  let split = r / u.nbatch;
  let o = batch_offsets(r % u.nbatch);
  let kstart = split * u.kchunk;
  let bias_on = (u.flags & F_BIAS) != 0u && split == 0u;
  return Tile(tm * 64u, tn * 64u, o, o.c + split * u.split_stride, kstart, min(u.K, kstart + u.kchunk), bias_on);
}

// Where output column n lands in C: plain products step by scn; conv2d forward (im2col) scatters its
// (image, output position) columns back to NCHW.
fn out_col(n: u32, im2col: bool) -> u32 {
  if (im2col) {
    let P = u32(u.cv_b.x * u.cv_b.y);
    return (n / P) * u.scn + n % P;
  }
  return n * u.scn;
}

// The register kernels' store, one row of the block: columns n0 + 8j, j = 0..7 (lo holds j < 4),
// adding the bias once (split 0).
fn store_row(m: u32, n0: u32, oc: u32, ob: u32, bias_on: bool, im2col: bool, lo: vec4<f32>, hi: vec4<f32>) {
  if (m >= u.M) { return; }
  for (var j = 0u; j < 8u; j++) {
    let n = n0 + 8u * j;
    if (n >= u.N) { return; }
    var v = select(lo[j & 3u], hi[j & 3u], j >= 4u);
    if (bias_on) { v += BIAS[ob + m * u.sbias_m + n * u.sbias_n]; }
    C[oc + m * u.scm + out_col(n, im2col)] = v;
  }
}

// conv2d forward's im2col matrix of x, [Cg*KH*KW, N*OH*OW], is never stored: its element (k, n) is x at
// (image of n, channel of k, window top-left of n + tap displacement of k), or 0 in the padding. The
// two halves decode separately so that kernels can decode columns once and walk k.
struct Im2colCol {
  base: u32,  // the image's offset in x
  y: i32,     // the window's top-left input position (negative inside the padding)
  x: i32,
}

fn im2col_col(n: u32) -> Im2colCol {
  let OW = u32(u.cv_b.y);
  let p = n % u32(u.cv_b.x * u.cv_b.y);
  return Im2colCol((n / u32(u.cv_b.x * u.cv_b.y)) * u.xs.x, i32(p / OW) * u.cv_sp.x - u.cv_sp.z, i32(p % OW) * u.cv_sp.y - u.cv_sp.w);
}

struct Im2colRow {
  off: u32,  // the channel's offset in x
  dy: i32,   // the tap's displacement from the window's top-left (dilated)
  dx: i32,
}

fn im2col_row(k: u32) -> Im2colRow {
  let kyx = k % u.cv_a.w;
  return Im2colRow((k / u.cv_a.w) * u.xs.y, i32(kyx / u.cv_a.z) * u.cv_b.z, i32(kyx % u.cv_a.z) * u.cv_b.w);
}
