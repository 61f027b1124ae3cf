// In-place edits of a gradient buffer: zeroing (zeroGrad without set-to-none), scaling by the clip
// coefficient of a global norm that lives on the GPU (clipGradNorm; the norm is never read back), and
// clamping (clipGradValue). The gradient is the only writable binding; N is a separate read-only buffer.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> N: array<f32>;
@group(0) @binding(2) var<storage, read_write> G: array<f32>;

// 0 zero, 1 scale by min(1, a / (N[n_off] + 1e-6)), 2 clamp to [a, b].
const MODE: u32 = {{MODE}}u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let k = u.g_off + i;
  if (MODE == 0u) {
    G[k] = 0.0;
  } else if (MODE == 1u) {
    // As torch: a NaN norm gives a NaN coefficient (min would be free to drop it); an infinite one gives 0.
    let c = u.a / (N[u.n_off] + 1e-6);
    G[k] = G[k] * select(min(c, 1.0), c, is_nan(c));
  } else {
    let g = G[k];
    G[k] = select(min(max(g, u.a), u.b), g, is_nan(g));
  }
}
