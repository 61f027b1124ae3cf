// argmax / argmin: the reduce kernel's layout and pass kinds (see reduce.wgsl: PER_THREAD invocations
// each walking every nsplit-th element of a row, or one workgroup per chunk of a row) carrying (value,
// index) pairs. The index is the position in the flattened reduced axes; ties go to the smaller index, so the
// first occurrence wins whatever the reduction order. Passes that leave partial results (all but the
// LAST) write pairs as two u32 words (the value's bits, then its index); LOAD reads an element (or such
// a pair) at `p` into `v` and `ix`.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<{{TX}}>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;

override PER_THREAD: bool = false;
// As in reduce.wgsl: neighbouring invocations take neighbouring rows; partials are [nsplit, rows].
override OUT_FAST: bool = false;
override LAST: bool = true;

// True when (b, ib) should replace (a, ia).
fn better(a: {{CT}}, ia: u32, b: {{CT}}, ib: u32) -> bool {
  return {{BETTER}};
}

#include reduce_layout

// Final results are int32 indices; partial results are (bits, index) pairs.
fn store(slot: u32, v: {{CT}}, ix: u32) {
  if (LAST) {
    O[slot] = ix;
  } else {
    O[2u * slot] = bitcast<u32>(v);
    O[2u * slot + 1u] = ix;
  }
}

struct Best {
  v: {{CT}},
  i: u32,
}

// The best of elements first, first + step, ... (< n) of the row at `base`; with one reduced axis
// (the usual case after the host coalesces them) a pointer walk replaces the per-element div/mod.
fn strided(base: u32, first: u32, step: u32, n: u32) -> Best {
  var best = {{CT}}({{INIT}});
  var bi = 0xffffffffu;
  if (IN_RANK <= 1u) {
    let dp = step * u.istride[0].x;
    var p = base + first * u.istride[0].x;
    for (var j = first; j < n; j += step) {
      {{LOAD}}
      if (better(best, bi, v, ix)) { best = v; bi = ix; }
      p += dp;
    }
  } else {
    for (var j = first; j < n; j += step) {
      let p = base + inner_of(j);
      {{LOAD}}
      if (better(best, bi, v, ix)) { best = v; bi = ix; }
    }
  }
  return Best(best, bi);
}

var<workgroup> pv: array<{{CT}}, WG>;
var<workgroup> pi: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (PER_THREAD) {
    let t = w * WG + lid;
    if (t >= u.nout * u.nsplit) { return; }
    let row = select(t / u.nsplit, t % u.nout, OUT_FAST);
    let b = strided(base_of(row), select(t % u.nsplit, t / u.nout, OUT_FAST), u.nsplit, u.nred);
    store(t, b.v, b.i);
  } else {
    // Workgroup w reduces chunk w % nsplit of row w / nsplit (the whole row when nsplit == 1).
    let row = w / u.nsplit;
    let valid = row < u.nout;
    var b = Best({{CT}}({{INIT}}), 0xffffffffu);
    if (valid) {
      let start = (w % u.nsplit) * u.chunk;
      b = strided(base_of(row), start + lid, WG, min(u.nred, start + u.chunk));
    }
    pv[lid] = b.v;
    pi[lid] = b.i;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (lid < s && better(pv[lid], pi[lid], pv[lid + s], pi[lid + s])) {
        pv[lid] = pv[lid + s];
        pi[lid] = pi[lid + s];
      }
      workgroupBarrier();
    }
    if (lid == 0u && valid) { store(w, pv[0], pi[0]); }
  }
}
