// A workgroup-wide sum of vec2 values, for kernels that own one row (or channel) per workgroup.

var<workgroup> part: array<vec2<f32>, WG>;

// Sums v over the workgroup; the trailing barrier lets every lane read the result before part is reused.
fn tree(lid: u32, v: vec2<f32>) -> vec2<f32> {
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
