// Gather along one axis, and its adjoint, a scatter-add.
//
// The MODE placeholder names the per-element function; the other is unreachable and dropped by the
// compiler. (An override constant selecting between them at run time left SwiftShader twice as slow.)
//
// gather_one: one invocation per output element. Its coordinates index the output and the index tensor;
// along `dim` the source coordinate is the loaded index instead. Index and source may be broadcast
// (stride 0), which is how indexSelect and takeAlongDim reuse this kernel.
//
// scatter_one: WGSL has no float atomics, so each invocation owns one *destination* element and loops
// over the `k` positions along `dim` of the gradient, adding those whose index points at it. The sum
// order is fixed (k ascending), so the result is deterministic; the cost is numel(dest) * k.
//
// Indices are not validated on the CPU (that would need a readback): out-of-range values are clamped into
// [0, dimsize - 1] here, so the GPU never reads outside the source.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<{{TX}}>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> O: array<{{TO}}>;

// Offsets of element i of the iteration shape, with its coordinate along `dim` kept apart.
struct Walk {
  ox: u32,
  oi: u32,
  oo: u32,
  kdim: u32,
  inside: bool,
}

fn walk(i: u32, check: bool) -> Walk {
  var w = Walk(u.offx, u.offi, u.offo, 0u, true);
  var rem = i;
  for (var d = i32(u.ndim) - 1; d >= 0; d--) {
    let ud = u32(d);
    let sz = u.shape[ud >> 2u][ud & 3u];
    let c = rem % sz;
    rem = rem / sz;
    w.oo += c * u.so[ud >> 2u][ud & 3u];
    if (ud == u.dim) {
      w.kdim = c;
    } else {
      w.ox += c * u.sx[ud >> 2u][ud & 3u];
      w.oi += c * u.si[ud >> 2u][ud & 3u];
      if (check && c >= u.lim[ud >> 2u][ud & 3u]) { w.inside = false; }
    }
  }
  return w;
}

fn clamped(v: i32) -> u32 {
  return u32(clamp(v, 0, i32(u.dimsize) - 1));
}

fn gather_one(i: u32) {
  let w = walk(i, false);
  let k = clamped(I[w.oi + w.kdim * u.si[u.dim >> 2u][u.dim & 3u]]);
  O[w.oo] = {{TO}}(X[w.ox + k * u.sx[u.dim >> 2u][u.dim & 3u]]);
}

fn scatter_one(i: u32) {
  let w = walk(i, true);
  var acc = {{TO}}(0);
  if (w.inside) {
    let sxd = u.sx[u.dim >> 2u][u.dim & 3u];
    let sid = u.si[u.dim >> 2u][u.dim & 3u];
    for (var k = 0u; k < u.k; k++) {
      if (clamped(I[w.oi + k * sid]) == w.kdim) { acc += {{TO}}(X[w.ox + k * sxd]); }
    }
  }
  O[w.oo] = acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  {{MODE}}(i);
}
