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

struct Params {
  n: u32,
  nrows: u32,
  ndo: u32,
  _pad0: u32,
  offs: vec4<u32>,
  astr: vec4<u32>,
  oshape: array<vec4<u32>, 2>,
  sx: array<vec4<u32>, 2>,
  sy: array<vec4<u32>, 2>,
  so: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;

override MODE: u32 = 0u;
override PER_THREAD: bool = false;

// NaN wins, so a row holding NaN comes out all NaN and no other row is touched.
fn max_(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), a, is_nan(a)), b, is_nan(b));
}

// Start offsets of row `row` in X, Y and O.
fn bases(row: u32) -> vec3<u32> {
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

// The per-element term summed over the row (after the maximum, for the forward modes).
fn term(b: vec3<u32>, j: u32, m: f32) -> f32 {
  if (MODE == 0u || MODE == 1u) { return exp(xat(b, j) - m); }
  if (MODE == 2u) { return xat(b, j) * yat(b, j); }
  return xat(b, j);
}

fn result(b: vec3<u32>, j: u32, m: f32, s: f32) -> f32 {
  if (MODE == 0u) { return exp(xat(b, j) - m) / s; }
  if (MODE == 1u) { return (xat(b, j) - m) - log(s); }
  if (MODE == 2u) { return yat(b, j) * (xat(b, j) - s); }
  return xat(b, j) - exp(yat(b, j)) * s;
}

fn per_thread(row: u32) {
  if (row >= u.nrows) { return; }
  let b = bases(row);
  var m = 0.0;
  if (MODE < 2u) {
    m = -inf_f32();
    for (var j = 0u; j < u.n; j++) { m = max_(m, xat(b, j)); }
  }
  var s = 0.0;
  if (MODE == 0u) {
    // The row is this invocation's alone, so O can hold exp(x - m) until the sum is known: one exp per
    // element instead of two, and a multiply instead of a divide.
    for (var j = 0u; j < u.n; j++) {
      let e = exp(xat(b, j) - m);
      O[b.z + j * u.astr.z] = e;
      s += e;
    }
    let r = 1.0 / s;
    for (var j = 0u; j < u.n; j++) { O[b.z + j * u.astr.z] *= r; }
    return;
  }
  for (var j = 0u; j < u.n; j++) { s += term(b, j, m); }
  for (var j = 0u; j < u.n; j++) { O[b.z + j * u.astr.z] = result(b, j, m, s); }
}

var<workgroup> part: array<f32, 256>;

// Both reductions leave the result in part[0]; the trailing barrier lets every invocation read it
// before part is reused.
fn reduce_max(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k >> 1u) {
    if (lid < k) { part[lid] = max_(part[lid], part[lid + k]); }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k >> 1u) {
    if (lid < k) { part[lid] = part[lid] + part[lid + k]; }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (PER_THREAD) {
    per_thread(w * WG + lid);
  } else {
    let valid = w < u.nrows;
    let n = select(0u, u.n, valid);
    let b = bases(select(0u, w, valid));
    var m = 0.0;
    if (MODE < 2u) {
      var mt = -inf_f32();
      for (var j = lid; j < n; j += WG) { mt = max_(mt, xat(b, j)); }
      m = reduce_max(lid, mt);
    }
    var st = 0.0;
    for (var j = lid; j < n; j += WG) { st += term(b, j, m); }
    let s = reduce_sum(lid, st);
    for (var j = lid; j < n; j += WG) { O[b.z + j * u.astr.z] = result(b, j, m, s); }
  }
}
