// Counter-based random numbers (Philox4x32-10): element i of a call draws from counter (offset + i)
// under the seed as key, so results depend only on the seed and the call order, never on scheduling.

{{PARAMS}}
@group(0) @binding(1) var<storage, read_write> O: array<{{TO}}>;

// 0: uniform in [a, b); 1: normal with mean a and std b; 2: integers in [ia, ib).
override MODE: u32 = 0u;

#include philox

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let r = philox_at(i);
  if (MODE == 0u) {
    O[i] = {{TO}}(u.a + (u.b - u.a) * unit(r.x));
  } else if (MODE == 1u) {
    let u1 = (f32(r.x >> 8u) + 1.0) * (1.0 / 16777216.0);
    let u2 = unit(r.y);
    O[i] = {{TO}}(u.a + u.b * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
  } else {
    let span = u32(u.ib - u.ia);
    O[i] = {{TO}}(u.ia + i32(r.x % span));
  }
}
