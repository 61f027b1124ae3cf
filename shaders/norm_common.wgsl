// Shared by norm.wgsl and norm_backward.wgsl. A "row" is one normalized group of u.n contiguous elements
// (a LayerNorm row, a GroupNorm (sample, group) block). Element j of row r scales by weight index
// (r % u.groups) * u.cpg + j / u.inner: LayerNorm has groups 1, cpg n, inner 1 (index j); GroupNorm has
// cpg channels per group of `inner` spatial elements each.

// One invocation per row (software plan: no barriers) or one workgroup per row (gpu plan).
override PER_THREAD: bool = false;
override HAS_W: bool = false;

fn widx(row: u32, j: u32) -> u32 {
  return u.offs.z + (row % u.groups) * u.cpg + j / u.inner;
}

#include tree

// Sums of x and of (x - m)^2 over elements first, first + step, ... (< n) of the row starting at b.
fn xsum(b: u32, first: u32, step: u32, n: u32) -> f32 {
  var s = 0.0;
  for (var j = first; j < n; j += step) { s += X[b + j]; }
  return s;
}
fn dsum(b: u32, first: u32, step: u32, n: u32, m: f32) -> f32 {
  var s = 0.0;
  for (var j = first; j < n; j += step) {
    let d = X[b + j] - m;
    s += d * d;
  }
  return s;
}
