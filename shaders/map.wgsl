// Elementwise map over up to three strided inputs into a strided output. Broadcasting is a stride of 0;
// views (transpose, slice, expand) are read in place. The expression comes from the op table; fused
// chains (src/tensor/lazy.ts) put their intermediate `let` statements in PRE.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> A: array<{{TA}}>;
@group(0) @binding(2) var<storage, read> B: array<{{TB}}>;
@group(0) @binding(3) var<storage, read> C: array<{{TC}}>;
@group(0) @binding(4) var<storage, read_write> O: array<{{TO}}>;

// True when every operand is contiguous with the output's shape: index arithmetic is skipped.
override CONTIG: bool = false;
override NIN: u32 = 1u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  var io = u.offs.x + i;
  var ia = u.offs.y + i;
  var ib = u.offs.z + i;
  var ic = u.offs.w + i;
  if (!CONTIG) {
    io = u.offs.x; ia = u.offs.y; ib = u.offs.z; ic = u.offs.w;
    var rem = i;
    for (var d = i32(u.ndim) - 1; d >= 0; d--) {
      let q = u32(d) >> 2u;
      let r = u32(d) & 3u;
      let sz = u.shape[q][r];
      let k = rem % sz;
      rem = rem / sz;
      io += k * u.so[q][r];
      ia += k * u.sa[q][r];
      ib += k * u.sb[q][r];
      ic += k * u.sc[q][r];
    }
  }
  let a = {{CT}}(A[ia]);
  var b = {{CT}}(0);
  var c = {{CT}}(0);
  if (NIN > 1u) { b = {{LOAD_B}}; }
  if (NIN > 2u) { c = {{CT}}(C[ic]); }
  {{PRE}}
  O[io] = {{TO}}({{EXPR}});
}
