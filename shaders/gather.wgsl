// Gather along one axis, and its adjoint, a scatter-add.
//
// Gather (SCATTER = false): one invocation per output element. Its coordinates index the output and the
// index tensor; along `dim` the source coordinate is the loaded index instead. Index and source may be
// broadcast (stride 0), which is how indexSelect and takeAlongDim reuse this kernel.
//
// Scatter (SCATTER = true): WGSL has no float atomics, so each invocation owns one *destination* element
// and loops over the `k` positions along `dim` of the gradient whose index points at it. The sum order is
// fixed (k ascending), so the result is deterministic; the cost is numel(dest) * k.
//
// Indices are not validated on the CPU (that would need a readback): out-of-range values are clamped into
// [0, dimsize - 1] here, so the GPU never reads outside the source.

struct Params {
  n: u32,
  ndim: u32,
  dim: u32,
  dimsize: u32,
  k: u32,
  offx: u32,
  offi: u32,
  offo: u32,
  // The iteration shape: the output's for gather, the destination's for scatter.
  shape: array<vec4<u32>, 2>,
  // Strides of the source (gather: x; scatter: the gradient), the index tensor and the output.
  sx: array<vec4<u32>, 2>,
  si: array<vec4<u32>, 2>,
  so: array<vec4<u32>, 2>,
  // Scatter only: the gradient's shape, which may be smaller than the destination off `dim`.
  lim: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<{{TX}}>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> O: array<{{TO}}>;

override SCATTER: bool = false;

fn at(a: array<vec4<u32>, 2>, d: u32) -> u32 {
  return a[d >> 2u][d & 3u];
}

fn clamped(v: i32) -> u32 {
  return u32(clamp(v, 0, i32(u.dimsize) - 1));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  var rem = i;
  var ox = u.offx;
  var oi = u.offi;
  var oo = u.offo;
  var kdim = 0u;
  var inside = true;
  for (var d = i32(u.ndim) - 1; d >= 0; d--) {
    let ud = u32(d);
    let sz = at(u.shape, ud);
    let c = rem % sz;
    rem = rem / sz;
    oo += c * at(u.so, ud);
    if (ud == u.dim) {
      kdim = c;
    } else {
      ox += c * at(u.sx, ud);
      oi += c * at(u.si, ud);
      if (SCATTER && c >= at(u.lim, ud)) { inside = false; }
    }
  }
  if (!SCATTER) {
    oi += kdim * at(u.si, u.dim);
    ox += clamped(I[oi]) * at(u.sx, u.dim);
    O[oo] = {{TO}}(X[ox]);
    return;
  }
  var acc = {{TO}}(0);
  if (inside) {
    let sxd = at(u.sx, u.dim);
    let sid = at(u.si, u.dim);
    for (var k = 0u; k < u.k; k++) {
      if (clamped(I[oi + k * sid]) == kdim) { acc += {{TO}}(X[ox + k * sxd]); }
    }
  }
  O[oo] = acc;
}
