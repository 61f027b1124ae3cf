// Fused LayerNorm / GroupNorm backward for the input: per row, the statistics again (as the forward),
// then with xh = (x - mean) * rstd and dh = dy * w:
//   dx = rstd * (dh - mean(dh) - xh * mean(dh * xh)).
// The row's (mean, rstd) go to ST for the weight and bias gradients, which sum over rows.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;
@group(0) @binding(5) var<storage, read_write> ST: array<f32>;

#include norm_common

fn dh(row: u32, j: u32) -> f32 {
  let g = G[u.offs.y + row * u.n + j];
  if (HAS_W) { return g * W[widx(row, j)]; }
  return g;
}

// Sums of dh and dh * xh over the lane's elements.
fn gsum(row: u32, first: u32, step: u32, n: u32, m: f32, r: f32) -> vec2<f32> {
  let b = u.offs.x + row * u.n;
  var s = vec2<f32>(0.0, 0.0);
  for (var j = first; j < n; j += step) {
    let d = dh(row, j);
    s += vec2<f32>(d, d * (X[b + j] - m) * r);
  }
  return s;
}

fn write(row: u32, first: u32, step: u32, n: u32, m: f32, r: f32, s: vec2<f32>) {
  let b = u.offs.x + row * u.n;
  let inv = 1.0 / f32(u.n);
  let a = s.x * inv;
  let c = s.y * inv;
  for (var j = first; j < n; j += step) {
    let xh = (X[b + j] - m) * r;
    DX[row * u.n + j] = r * (dh(row, j) - a - xh * c);
  }
  if (first == 0u && n > 0u) {
    ST[2u * row] = m;
    ST[2u * row + 1u] = r;
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
      write(row, 0u, 1u, u.n, m, r, gsum(row, 0u, 1u, u.n, m, r));
    }
  } else {
    let valid = w < u.nrows;
    let n = select(0u, u.n, valid);
    let row = select(0u, w, valid);
    let b = u.offs.x + row * u.n;
    let m = tree(lid, vec2<f32>(xsum(b, lid, WG, n), 0.0)).x * inv;
    let r = inverseSqrt(tree(lid, vec2<f32>(dsum(b, lid, WG, n, m), 0.0)).x * inv + u.eps);
    let s = tree(lid, gsum(row, lid, WG, n, m, r));
    write(row, lid, WG, n, m, r, s);
  }
}
