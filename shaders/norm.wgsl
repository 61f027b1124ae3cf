// Fused LayerNorm / GroupNorm forward: per row, the mean, the biased variance (two passes over the row,
// so a large mean does not cancel the variance), then y = (x - mean) * rsqrt(var + eps) * w + b.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;

override HAS_B: bool = false;

#include norm_common

fn write(row: u32, first: u32, step: u32, n: u32, m: f32, r: f32) {
  let b = u.offs.x + row * u.n;
  for (var j = first; j < n; j += step) {
    var y = (X[b + j] - m) * r;
    if (HAS_W) { y = y * W[widx(row, j)]; }
    if (HAS_B) { y = y + B[widx(row, j) - u.offs.z + u.offs.w]; }
    O[row * u.n + j] = y;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  let inv = 1.0 / f32(u.n);
  if (PER_THREAD) {
    let row = w * WG + lid;
    if (row < u.nrows) {
      let b = u.offs.x + row * u.n;
      let m = xsum(b, 0u, 1u, u.n) * inv;
      let r = inverseSqrt(dsum(b, 0u, 1u, u.n, m) * inv + u.eps);
      write(row, 0u, 1u, u.n, m, r);
    }
  } else {
    let valid = w < u.nrows;
    let n = select(0u, u.n, valid);
    let row = select(0u, w, valid);
    let b = u.offs.x + row * u.n;
    let m = tree(lid, vec2<f32>(xsum(b, lid, WG, n), 0.0)).x * inv;
    let r = inverseSqrt(tree(lid, vec2<f32>(dsum(b, lid, WG, n, m), 0.0)).x * inv + u.eps);
    write(row, lid, WG, n, m, r);
  }
}
