// Per-channel affine map for batch norm: out = P[c] * (A - S[c]) + Q[c] * B + R[c] over contiguous
// [N, C, inner] operands, c = (i / inner) % C. The forward pass is P = w * rstd, S = mean, R = bias;
// the input gradient is the same map with B = dy. One division per element, where the generic strided
// map (map.wgsl) would walk every dimension of a [1, C, 1, 1] broadcast. S, B and R are optional (flags).

{{PARAMS}}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> P: array<f32>;
@group(0) @binding(4) var<storage, read> S: array<f32>;
@group(0) @binding(5) var<storage, read> Q: array<f32>;
@group(0) @binding(6) var<storage, read> R: array<f32>;
@group(0) @binding(7) var<storage, read_write> O: array<f32>;

fn has(f: u32) -> bool {
  return (u.flags & f) != 0u;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let c = (i / u.inner) % u.channels;
  var a = A[u.offs.x + i];
  if (has(F_S)) { a = a - S[u.coffs.y + c]; }
  var y = P[u.coffs.x + c] * a;
  if (has(F_B)) { y = y + Q[u.coffs.z + c] * B[u.offs.y + i]; }
  if (has(F_R)) { y = y + R[u.coffs.w + c]; }
  O[i] = y;
}
