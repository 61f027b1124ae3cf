// argmax / argmin: the reduce kernel's layout (kept "outer" axes, reduced "inner" axes, chunks per row,
// PER_THREAD for short rows) carrying (value, index) pairs. The index is the position in the flattened
// reduced axes; ties go to the smaller index, so the first occurrence wins whatever the reduction order.
// Passes that leave partial results write pairs as two u32 words (the value's bits, then its index);
// LOAD reads an element (or such a pair) at `p` into `v` and `ix`.

struct Params {
  nout: u32,
  nred: u32,
  nchunks: u32,
  chunk: u32,
  ndo: u32,
  ndi: u32,
  offset: u32,
  _pad0: u32,
  oshape: array<vec4<u32>, 2>,
  ostride: array<vec4<u32>, 2>,
  ishape: array<vec4<u32>, 2>,
  istride: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<{{TX}}>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;

override PER_THREAD: bool = false;

// True when (b, ib) should replace (a, ia).
fn better(a: {{CT}}, ia: u32, b: {{CT}}, ib: u32) -> bool {
  return {{BETTER}};
}

fn base_of(row: u32) -> u32 {
  var rem = row;
  var off = u.offset;
  for (var d = i32(u.ndo) - 1; d >= 0; d--) {
    let sz = u.oshape[u32(d) >> 2u][u32(d) & 3u];
    off += (rem % sz) * u.ostride[u32(d) >> 2u][u32(d) & 3u];
    rem = rem / sz;
  }
  return off;
}

fn inner_of(j: u32) -> u32 {
  var rem = j;
  var off = 0u;
  for (var d = i32(u.ndi) - 1; d >= 0; d--) {
    let sz = u.ishape[u32(d) >> 2u][u32(d) & 3u];
    off += (rem % sz) * u.istride[u32(d) >> 2u][u32(d) & 3u];
    rem = rem / sz;
  }
  return off;
}

// Final results are int32 indices; partial results are (bits, index) pairs.
fn store(slot: u32, v: {{CT}}, ix: u32, last: bool) {
  if (last) {
    O[slot] = ix;
  } else {
    O[2u * slot] = bitcast<u32>(v);
    O[2u * slot + 1u] = ix;
  }
}

var<workgroup> pv: array<{{CT}}, 256>;
var<workgroup> pi: array<u32, 256>;

fn per_thread(row: u32) {
  if (row >= u.nout) { return; }
  let base = base_of(row);
  var best = {{CT}}({{INIT}});
  var bi = 0xffffffffu;
  for (var j = 0u; j < u.nred; j++) {
    let p = base + inner_of(j);
    {{LOAD}}
    if (better(best, bi, v, ix)) { best = v; bi = ix; }
  }
  store(row, best, bi, true);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (PER_THREAD) {
    per_thread(w * WG + lid);
  } else {
    let row = w / u.nchunks;
    let chunk = w % u.nchunks;
    let valid = row < u.nout;
    var best = {{CT}}({{INIT}});
    var bi = 0xffffffffu;
    if (valid) {
      let base = base_of(row);
      let start = chunk * u.chunk;
      let stop = min(u.nred, start + u.chunk);
      for (var j = start + lid; j < stop; j += WG) {
        let p = base + inner_of(j);
        {{LOAD}}
        if (better(best, bi, v, ix)) { best = v; bi = ix; }
      }
    }
    pv[lid] = best;
    pi[lid] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (lid < s && better(pv[lid], pi[lid], pv[lid + s], pi[lid + s])) {
        pv[lid] = pv[lid + s];
        pi[lid] = pi[lid + s];
      }
      workgroupBarrier();
    }
    if (lid == 0u && valid) {
      if (u.nchunks == 1u) { store(row, pv[0], pi[0], true); } else { store(w, pv[0], pi[0], false); }
    }
  }
}
