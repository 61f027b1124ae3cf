// Reduction of a strided view whose reduced axes are listed separately ("inner") from the kept ones
// ("outer"). Workgroup w reduces chunk (w % nchunks) of output row (w / nchunks); several chunks per row
// let a whole-tensor reduction use many workgroups, and later passes combine the chunks.
// With PER_THREAD, one invocation reduces a whole row instead: better when rows are short and many.
// MAP transforms each element before combining (|v| for L1 norms, (v - c)^2 for variances) and FINAL the
// combined value; `c` is a per-row value from C (a mean or a maximum) when HAS_C, so variance and
// logsumexp need no intermediate tensor of the input's size.

struct Params {
  nout: u32,
  nred: u32,
  nchunks: u32,
  chunk: u32,
  ndo: u32,
  ndi: u32,
  scale: f32,
  offset: u32,
  coff: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  oshape: array<vec4<u32>, 2>,
  ostride: array<vec4<u32>, 2>,
  ishape: array<vec4<u32>, 2>,
  istride: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<{{TX}}>;
@group(0) @binding(2) var<storage, read> C: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<{{TO}}>;

override PER_THREAD: bool = false;
override HAS_C: bool = false;

fn combine(acc: {{CT}}, v: {{CT}}) -> {{CT}} {
  return {{COMBINE}};
}

fn map_(v: {{CT}}, c: {{CT}}) -> {{CT}} {
  return {{MAP}};
}

fn center(row: u32) -> {{CT}} {
  if (HAS_C) { return {{CT}}(C[u.coff + row]); }
  return {{CT}}(0);
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

fn finish(acc: {{CT}}, c: {{CT}}) -> {{TO}} {
  return {{TO}}({{FINAL}});
}

var<workgroup> part: array<{{CT}}, 256>;

fn per_thread(row: u32) {
  if (row >= u.nout) { return; }
  let base = base_of(row);
  let c = center(row);
  var acc = {{CT}}({{INIT}});
  for (var j = 0u; j < u.nred; j++) { acc = combine(acc, map_({{CT}}(X[base + inner_of(j)]), c)); }
  O[row] = finish(acc, c);
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
    var acc = {{CT}}({{INIT}});
    var c = {{CT}}(0);
    if (valid) {
      let base = base_of(row);
      c = center(row);
      let start = chunk * u.chunk;
      let stop = min(u.nred, start + u.chunk);
      for (var j = start + lid; j < stop; j += WG) { acc = combine(acc, map_({{CT}}(X[base + inner_of(j)]), c)); }
    }
    part[lid] = acc;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (lid < s) { part[lid] = combine(part[lid], part[lid + s]); }
      workgroupBarrier();
    }
    if (lid == 0u && valid) {
      if (u.nchunks == 1u) { O[row] = finish(part[0], c); } else { O[w] = {{TO}}(part[0]); }
    }
  }
}
