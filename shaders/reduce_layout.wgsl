// The row layout reduce.wgsl and argreduce.wgsl share (ReduceParams in src/kernels/reduce.ts): rows
// enumerate the kept ("outer") axes, elements of a row the reduced ("inner") ones, each with its own
// coalesced shape and strides.

// The ranks of the two layouts after coalescing, capped (IN_RANK at 3, OUT_RANK at 2), so that each
// pipeline holds only the index walk it needs: on CPU adapters a walk that is compiled in but never
// taken still costs its share (the general inner walk made a one-element row 4x slower on SwiftShader).
override IN_RANK: u32 = 3u;
override OUT_RANK: u32 = 2u;

// The offset of row `row`'s first element.
fn base_of(row: u32) -> u32 {
  // One kept axis (after coalescing, the common case) needs no div/mod, which CPU adapters run per lane;
  // none (a single row) has a zero stride there, as unused entries of uniform lists are zero.
  if (OUT_RANK <= 1u) { return u.offset + row * u.ostride[0].x; }
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
