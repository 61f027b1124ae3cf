// Per-channel sums for batch norm, one workgroup per channel of contiguous [N, C, inner] operands; the
// channel's N * inner elements are strided by C * inner between samples, so each is located with one
// division. Results: O[c] and O[C + c], so each half is a contiguous [C] vector.
//   F_STATS: the mean and the biased variance of X (two passes, so a large mean does not cancel).
//   otherwise: sum(G) and sum(G * (X - M[c])), the two sums of batch norm's input gradient.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;

#include tree

fn at(c: u32, j: u32) -> u32 {
  let q = j / u.inner;
  return (q * u.channels + c) * u.inner + (j - q * u.inner);
}

// One invocation per channel (short channels, or many on the software plan: no barriers), or one
// workgroup per channel summing with a tree.
override PER_THREAD: bool = false;

// The sums over elements first, first + step, ... of channel c: (sum x, 0) for F_STATS, else (sum g,
// sum g * (x - M[c])); then, for F_STATS, the centred sum of squares about m.
fn pass1(c: u32, first: u32, step: u32, cnt: u32) -> vec2<f32> {
  var s = vec2<f32>(0.0, 0.0);
  if ((u.flags & F_STATS) != 0u) {
    for (var j = first; j < cnt; j += step) { s.x += X[u.offs.x + at(c, j)]; }
  } else {
    let m = M[u.coffs.y + c];
    for (var j = first; j < cnt; j += step) {
      let k = at(c, j);
      let g = G[u.offs.y + k];
      s += vec2<f32>(g, g * (X[u.offs.x + k] - m));
    }
  }
  return s;
}
fn pass2(c: u32, first: u32, step: u32, cnt: u32, m: f32) -> f32 {
  var d = 0.0;
  for (var j = first; j < cnt; j += step) {
    let e = X[u.offs.x + at(c, j)] - m;
    d += e * e;
  }
  return d;
}

fn store(c: u32, r: vec2<f32>) {
  O[c] = r.x;
  O[u.channels + c] = r.y;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cnt = u.n / u.channels;
  let inv = 1.0 / f32(cnt);
  let stats = (u.flags & F_STATS) != 0u;
  if (PER_THREAD) {
    let c = flat_id(wid, nwg, lid);
    if (c < u.channels) {
      let s = pass1(c, 0u, 1u, cnt);
      if (stats) {
        let m = s.x * inv;
        store(c, vec2<f32>(m, pass2(c, 0u, 1u, cnt, m) * inv));
      } else {
        store(c, s);
      }
    }
  } else {
    let w = wid.y * nwg.x + wid.x;
    let valid = w < u.channels;
    let c = select(0u, w, valid);
    let n = select(0u, cnt, valid);
    let s = tree(lid, pass1(c, lid, WG, n));
    if (stats) {
      let m = s.x * inv;
      let v = tree(lid, vec2<f32>(pass2(c, lid, WG, n, m), 0.0)).x * inv;
      if (valid && lid == 0u) { store(c, vec2<f32>(m, v)); }
    } else if (valid && lid == 0u) {
      store(c, s);
    }
  }
}
