// Reduction of a strided view whose reduced axes are listed separately ("inner") from the kept ones
// ("outer"). Two shapes of work, chosen per pass on the host (src/kernels/reduce.ts):
// * PER_THREAD: invocation t reduces elements j = s, s + nsplit, s + 2 nsplit, ... of row t / nsplit,
//   where s = t % nsplit. With nsplit == 1 that is one row per invocation; with nsplit > 1 the row is
//   interleaved across neighbouring invocations, so their loads are adjacent, and the [rows, nsplit]
//   partials are reduced by a later pass (OUT_FAST: t % rows is the row and t / rows the split, so that
//   neighbouring invocations read neighbouring outputs' elements when the reduced axis is not the
//   innermost; partials are then [nsplit, rows]). No barriers: on CPU implementations of WebGPU a barrier
//   switches every SIMD group of the workgroup. The host uses it for short rows, and on software
//   adapters for many rows and for rows split for length.
// * otherwise workgroup w reduces chunk w % nsplit of row w / nsplit with a tree in workgroup memory
//   (the host uses this on GPUs, where the lanes' loads of a chunk coalesce, and for few rows).
// * LANES > 0 (software plan, fewer rows than a SIMD group has lanes): LANES neighbouring invocations, one
//   subgroup, share row t / LANES, interleaved, and combine by shuffles; lane 0 stores. One invocation
//   walking a row alone loads one element per SIMD step where LANES sequential loads take one.
// MAP transforms each element before combining (|v| for L1 norms, (v - c)^2 for variances) and FINAL the
// combined value; `c` is a per-row value from C (a mean or a maximum) when HAS_C, so variance and
// logsumexp need no intermediate tensor of the input's size.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<{{TX}}>;
@group(0) @binding(2) var<storage, read> C: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<{{TO}}>;

override PER_THREAD: bool = false;
override OUT_FAST: bool = false;
override HAS_C: bool = false;
// 1 (max) or 2 (min) for float inputs: the element loop then uses plain max()/min() and tracks NaN by
// the largest |bits| seen, which costs two integer ops per element instead of the two NaN tests and two
// selects of COMBINE. Accumulators are still merged with COMBINE.
override FAST_MINMAX: u32 = 0u;
// How an invocation walks its elements: 0, rows of one element (a load, no loop); 1, a plain loop (an
// invocation's share of a row is short); 2, unrolled by four. On SwiftShader a loop that is compiled in
// costs every invocation even when it runs no iteration: a row of one element took 2.5x a copy's time.
override WALK: u32 = 2u;
// Lanes of one subgroup per row (0: off); the probe in src/kernels/probe.ts found subgroups to be runs
// of this many consecutive invocations.
override LANES: u32 = 0u;

fn combine(acc: {{CT}}, v: {{CT}}) -> {{CT}} {
  return {{COMBINE}};
}

fn map_(v: {{CT}}, c: {{CT}}) -> {{CT}} {
  return {{MAP}};
}

fn ld(p: u32, c: {{CT}}) -> {{CT}} {
  return map_({{CT}}(X[p]), c);
}

fn elem(acc: {{CT}}, v: {{CT}}) -> {{CT}} {
  if (FAST_MINMAX == 1u) { return max(acc, v); }
  if (FAST_MINMAX == 2u) { return min(acc, v); }
  return combine(acc, v);
}

// The NaN-tracking word for v: above 0x7f800000 exactly when v is NaN.
fn nan_bits(v: {{CT}}) -> u32 {
  return bitcast<u32>(v) & 0x7fffffffu;
}

fn center(row: u32) -> {{CT}} {
  if (HAS_C) { return {{CT}}(C[u.coff + row]); }
  return {{CT}}(0);
}

#include reduce_layout

// Four independent accumulators, so that consecutive loads and combines do not wait on each other, and
// the NaN-tracking word of FAST_MINMAX.
struct Acc {
  a0: {{CT}},
  a1: {{CT}},
  a2: {{CT}},
  a3: {{CT}},
  nb: u32,
}

// Adds `cnt` elements `dp` apart, from `p`, to `acc`.
fn walk(acc_in: Acc, p0: u32, dp: u32, cnt: u32, c: {{CT}}) -> Acc {
  var acc = acc_in;
  var p = p0;
  var i = 0u;
  if (WALK == 2u) {
    for (; i + 3u < cnt; i += 4u) {
      let v0 = ld(p, c);
      let v1 = ld(p + dp, c);
      let v2 = ld(p + 2u * dp, c);
      let v3 = ld(p + 3u * dp, c);
      acc.a0 = elem(acc.a0, v0);
      acc.a1 = elem(acc.a1, v1);
      acc.a2 = elem(acc.a2, v2);
      acc.a3 = elem(acc.a3, v3);
      if (FAST_MINMAX != 0u) { acc.nb = max(acc.nb, max(max(nan_bits(v0), nan_bits(v1)), max(nan_bits(v2), nan_bits(v3)))); }
      p += 4u * dp;
    }
  }
  for (; i < cnt; i++) {
    let v = ld(p, c);
    acc.a0 = elem(acc.a0, v);
    if (FAST_MINMAX != 0u) { acc.nb = max(acc.nb, nan_bits(v)); }
    p += dp;
  }
  return acc;
}

// Combines elements first, first + step, ... (< n) of the row at `base`. The host coalesces the
// reduced axes, so they are nearly always one axis (none: ndi == 0 has nred <= 1 and a zero stride) or
// two (batch-norm statistics, axes 0, 2, 3 of NCHW). One axis is one run; two are runs of the innermost
// axis, a pointer per run instead of a div/mod per element. More fall back to inner_of per element.
fn strided(base: u32, first: u32, step: u32, n: u32, c: {{CT}}) -> {{CT}} {
  let init = {{CT}}({{INIT}});
  if (IN_RANK > 2u) {
    var a = init;
    for (var j = first; j < n; j += step) { a = combine(a, ld(base + inner_of(j), c)); }
    return a;
  }
  var acc = Acc(init, init, init, init, 0u);
  if (IN_RANK <= 1u) {
    if (first < n) {
      let s1 = u.istride[0].x;
      acc = walk(acc, base + first * s1, step * s1, (n - first + step - 1u) / step, c);
    }
  } else if (PER_THREAD && step > 1u) {
    // A split two-axis row (batch-norm statistics): split `first` owns columns col, col + cs, ... of
    // runs run, run + rs, ... (the host makes nsplit = cs * rs), and walks each column down its runs.
    // Neighbouring splits read neighbouring elements, and the loops need no div/mod: walking the
    // flattened row by `step` took one per run, which on SwiftShader cost more than the loads when runs
    // held a few elements per split ([64,6,28,28] over axes 0, 2, 3: 3.3 ms).
    let n0 = u.ishape[0].x;
    let n1 = u.ishape[0].y;
    let s0 = u.istride[0].x;
    let s1 = u.istride[0].y;
    let cs = min(step, n1);
    let rs = step / cs;
    let run = first / cs;
    if (run < n0) {
      let cnt = (n0 - run + rs - 1u) / rs;
      for (var col = first % cs; col < n1; col += cs) {
        acc = walk(acc, base + run * s0 + col * s1, rs * s0, cnt, c);
      }
    }
  } else {
    // Runs of n1 elements s1 apart, the runs s0 apart.
    let n1 = u.ishape[0].y;
    let s0 = u.istride[0].x;
    let s1 = u.istride[0].y;
    var j = first;
    var j0 = first / n1;
    var j1 = first % n1;
    while (j < n) {
      // This run's elements j1, j1 + step, ... below n1, and below n.
      let cnt = min((n1 - j1 + step - 1u) / step, (n - j + step - 1u) / step);
      acc = walk(acc, base + j0 * s0 + j1 * s1, step * s1, cnt, c);
      j += cnt * step;
      j1 += cnt * step;
      j0 += j1 / n1;
      j1 = j1 % n1;
    }
  }
  if (FAST_MINMAX != 0u && acc.nb > 0x7f800000u) { return bitcast<{{CT}}>(acc.nb); }
  return combine(combine(acc.a0, acc.a1), combine(acc.a2, acc.a3));
}

fn finish(acc: {{CT}}, c: {{CT}}) -> {{TO}} {
  return {{TO}}({{FINAL}});
}

// `acc` combined over the LANES lanes of its subgroup. The host renders SHUFFLE as subgroupShuffleXor
// (and the source with `enable subgroups`) only for LANES > 0; otherwise it is never called.
fn across_lanes(acc_in: {{CT}}) -> {{CT}} {
  var acc = acc_in;
  for (var m = 1u; m < LANES; m = m << 1u) {
    acc = combine(acc, {{SHUFFLE}});
  }
  return acc;
}

var<workgroup> part: array<{{CT}}, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (LANES > 0u) {
    // No early return: every lane of a subgroup takes part in the shuffles.
    let t = w * WG + lid;
    // (max: override expressions are checked even where LANES == 0 leaves this branch dead.)
    let row = t / max(LANES, 1u);
    let lane = t % max(LANES, 1u);
    let valid = row < u.nout;
    var acc = {{CT}}({{INIT}});
    var c = {{CT}}(0);
    if (valid) {
      c = center(row);
      acc = strided(base_of(row), lane, LANES, u.nred, c);
    }
    acc = across_lanes(acc);
    if (valid && lane == 0u) { O[row] = finish(acc, c); }
  } else if (PER_THREAD) {
    // Partial passes render FINAL as `acc` and TO as the compute type, so `finish` stores partials too.
    // OUT_FAST: neighbouring invocations take neighbouring rows (outputs), and partials are [nsplit, rows].
    let t = w * WG + lid;
    if (t >= u.nout * u.nsplit) { return; }
    if (WALK == 0u) {
      let c1 = center(t);
      O[t] = finish(ld(base_of(t), c1), c1);
      return;
    }
    var row = t;
    var s = 0u;
    if (u.nsplit > 1u) {
      row = select(t / u.nsplit, t % u.nout, OUT_FAST);
      s = select(t % u.nsplit, t / u.nout, OUT_FAST);
    }
    let c = center(row);
    O[t] = finish(strided(base_of(row), s, u.nsplit, u.nred, c), c);
  } else {
    // Workgroup w reduces chunk w % nsplit of row w / nsplit (the whole row when nsplit == 1).
    let row = w / u.nsplit;
    let valid = row < u.nout;
    var acc = {{CT}}({{INIT}});
    var c = {{CT}}(0);
    if (valid) {
      c = center(row);
      let start = (w % u.nsplit) * u.chunk;
      acc = strided(base_of(row), start + lid, WG, min(u.nred, start + u.chunk), c);
    }
    part[lid] = acc;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (lid < s) { part[lid] = combine(part[lid], part[lid + s]); }
      workgroupBarrier();
    }
    if (lid == 0u && valid) { O[w] = finish(part[0], c); }
  }
}
