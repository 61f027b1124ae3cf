// Dropout: element i keeps x * scale when the uniform draw of its mask unit (i / u.group) is >= p, else 0.
// Dropout has group 1; Dropout2d drops whole channels, group = the spatial size. The draw is Philox at
// counter ctr + unit under the seed, so the backward pass regenerates the same mask from the same
// (seed, ctr) instead of storing it.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;

#include philox

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let keep = unit(philox_at(i / u.group).x) >= u.p;
  O[i] = select(0.0, X[u.xoff + i] * u.scale, keep);
}
