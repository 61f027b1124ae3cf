// The row layout reduce.wgsl and argreduce.wgsl share (ReduceParams in src/kernels/reduce.ts): rows
// enumerate the kept ("outer") axes, elements of a row the reduced ("inner") ones, each with its own
// coalesced shape and strides.

// The offset of row `row`'s first element.
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

// The offset of element j within a row.
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
