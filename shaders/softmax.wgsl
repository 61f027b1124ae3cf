// Softmax and log-softmax along one axis, and their backward passes. A "row" is the line of elements
// along that axis; rows are enumerated over the other axes (coalesced), and every operand is read through
// its own strides, so any axis of any view works without a transposing copy.
// One workgroup per row, or with PER_THREAD one invocation per row (short rows, or many rows on a
// software adapter: see src/kernels/softmax.ts).
// MODE 0: O = softmax(X)            = exp(x - m) / sum(exp(x - m)),  m the row maximum
// MODE 1: O = logSoftmax(X)         = x - m - log(sum(exp(x - m)))
// MODE 2: O = softmax backward      = y * (g - sum(g * y)),          X = g, Y = y (the softmax)
// MODE 3: O = logSoftmax backward   = g - exp(y) * sum(g),           X = g, Y = y (the log-softmax)
// Subtracting the maximum keeps exp() in (0, 1], so large inputs cannot overflow.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;

override MODE: u32 = 0u;
override PER_THREAD: bool = false;

// NaN wins, so a row holding NaN comes out all NaN and no other row is touched.
fn max_(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), a, is_nan(a)), b, is_nan(b));
}

// The rank of the row layout after coalescing, capped at 2: one axis (the usual case) is walked with
// no div/mod, and a pipeline holds only the walk it needs (see reduce_layout.wgsl's OUT_RANK).
override OUT_RANK: u32 = 2u;

// Start offsets of row `row` in X, Y and O.
fn bases(row: u32) -> vec3<u32> {
  if (OUT_RANK <= 1u) { return u.offs.xyz + row * vec3<u32>(u.sx[0].x, u.sy[0].x, u.so[0].x); }
  var rem = row;
  var b = u.offs.xyz;
  for (var d = i32(u.ndo) - 1; d >= 0; d--) {
    let q = u32(d) >> 2u;
    let r = u32(d) & 3u;
    let k = rem % u.oshape[q][r];
    rem = rem / u.oshape[q][r];
    b += k * vec3<u32>(u.sx[q][r], u.sy[q][r], u.so[q][r]);
  }
  return b;
}

fn xat(b: vec3<u32>, j: u32) -> f32 { return X[b.x + j * u.astr.x]; }
fn yat(b: vec3<u32>, j: u32) -> f32 { return Y[b.y + j * u.astr.y]; }

// The per-element term the backward modes sum over the row.
fn term(b: vec3<u32>, j: u32) -> f32 {
  if (MODE == 2u) { return xat(b, j) * yat(b, j); }
  return xat(b, j);
}

fn result(b: vec3<u32>, j: u32, s: f32) -> f32 {
  if (MODE == 2u) { return yat(b, j) * (xat(b, j) - s); }
  return xat(b, j) - exp(yat(b, j)) * s;
}

// Above 0x7f800000 exactly when v is NaN; the largest over a row says whether it holds one.
fn nan_bits(v: f32) -> u32 {
  return bitcast<u32>(v) & 0x7fffffffu;
}

// Running (maximum m, sum of exp(x - m)) over elements first, first + step, ... (< n) of the row at bx:
// one pass over the data for both (online softmax), four elements per step so that rescaling the sum to
// a new maximum costs one exp per four elements. NaN cannot be left to exp(): SwiftShader's exp(NaN) is
// finite. So a NaN is noted by its bits (cheaper per element than max_) and returned as m, which
// forward() checks. m starts at the lowest finite float, not -inf, so -inf elements give exp(-inf) = 0
// rather than exp(-inf - -inf), and a row of -inf sums to 0 (its outputs are then NaN, as in PyTorch).
fn stats(bx: u32, first: u32, step: u32, n: u32) -> vec2<f32> {
  let d = step * u.astr.x;
  var m = bitcast<f32>(0xff7fffffu);
  var s = 0.0;
  var nb = 0u;
  var p = bx + first * u.astr.x;
  var j = first;
  for (; n > 3u * step && j < n - 3u * step; j += 4u * step) {
    let x0 = X[p];
    let x1 = X[p + d];
    let x2 = X[p + 2u * d];
    let x3 = X[p + 3u * d];
    let mn = max(m, max(max(x0, x1), max(x2, x3)));
    nb = max(nb, max(max(nan_bits(x0), nan_bits(x1)), max(nan_bits(x2), nan_bits(x3))));
    s = s * exp(m - mn) + ((exp(x0 - mn) + exp(x1 - mn)) + (exp(x2 - mn) + exp(x3 - mn)));
    m = mn;
    p += 4u * d;
  }
  for (; j < n; j += step) {
    let x = X[p];
    let mn = max(m, x);
    nb = max(nb, nan_bits(x));
    s = s * exp(m - mn) + exp(x - mn);
    m = mn;
    p += d;
  }
  return vec2<f32>(select(m, bitcast<f32>(nb), nb > 0x7f800000u), s);
}

// Merges two (maximum, sum) pairs; equal maxima (both still the initial value) rescale by exp(0) = 1.
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let m = max_(a.x, b.x);
  return vec2<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

// Writes the forward result for elements first, first + step, ... of the row, given its (m, s). The
// reciprocal (softmax) or log (logSoftmax) is taken once per row; the log is subtracted after x - m,
// which is exact for large x, rather than folded into m, where it would round at m's magnitude.
fn forward(b: vec3<u32>, first: u32, step: u32, n: u32, ms: vec2<f32>) {
  let m = ms.x;
  let k = select(select(log(ms.y), 1.0 / ms.y, MODE == 0u), nan_f32(), is_nan(m));
  var px = b.x + first * u.astr.x;
  var po = b.z + first * u.astr.z;
  for (var j = first; j < n; j += step) {
    let x = X[px];
    if (MODE == 0u) { O[po] = exp(x - m) * k; } else { O[po] = (x - m) - k; }
    px += step * u.astr.x;
    po += step * u.astr.z;
  }
}

fn per_thread(row: u32) {
  if (row >= u.nrows) { return; }
  let b = bases(row);
  if (MODE < 2u) {
    forward(b, 0u, 1u, u.n, stats(b.x, 0u, 1u, u.n));
    return;
  }
  var s = 0.0;
  for (var j = 0u; j < u.n; j++) { s += term(b, j); }
  for (var j = 0u; j < u.n; j++) { O[b.z + j * u.astr.z] = result(b, j, s); }
}

var<workgroup> part: array<vec2<f32>, WG>;

// Tree reductions over the workgroup; the result is in part[0], and the trailing barrier lets every
// invocation read it before part is reused.
fn reduce_stats(lid: u32, v: vec2<f32>) -> vec2<f32> {
  part[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k >> 1u) {
    if (lid < k) { part[lid] = merge(part[lid], part[lid + k]); }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(lid: u32, v: f32) -> f32 {
  part[lid].x = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k >> 1u) {
    if (lid < k) { part[lid].x = part[lid].x + part[lid + k].x; }
    workgroupBarrier();
  }
  let r = part[0].x;
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (PER_THREAD) {
    per_thread(w * WG + lid);
  } else {
    let valid = w < u.nrows;
    let n = select(0u, u.n, valid);
    let b = bases(select(0u, w, valid));
    if (MODE < 2u) {
      // One tree over (m, s) pairs: half the barriers of a maximum tree followed by a sum tree.
      let ms = reduce_stats(lid, stats(b.x, lid, WG, n));
      forward(b, lid, WG, n, ms);
    } else {
      var st = 0.0;
      for (var j = lid; j < n; j += WG) { st += term(b, j); }
      let s = reduce_sum(lid, st);
      for (var j = lid; j < n; j += WG) { O[b.z + j * u.astr.z] = result(b, j, s); }
    }
  }
}
