// 2-D pooling over NCHW planes, one invocation per element. MODE:
//   0  max           out[n, c, oy, ox] = max of the window (NaN wins, as in PyTorch)
//   1  avg           out = window sum / divisor (count_include_pad or the valid count)
//   2  max pick      out = H at the position where X's window has its maximum
//   3  argmax        out = that position as iy * W + ix (u32)
//   4  max backward  dx[n, c, iy, ix] = sum of dY over the windows whose argmax (H, from mode 3) is here
//   5  avg backward  dx = sum of dY / divisor over the windows that cover this pixel
// Backward modes gather from the few windows covering a pixel, so no atomics are needed.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Hb: array<{{TH}}>;
@group(0) @binding(3) var<storage, read_write> O: array<{{TO}}>;

// A placeholder, not an override: SwiftShader keeps override branches and runs them twice as slow.
const MODE: u32 = {{MODE}}u;

fn divisor(ys: i32, xs: i32) -> f32 {
  let H = i32(u.H);
  let W = i32(u.W);
  if (u.include_pad != 0u) {
    return f32((min(ys + u.kh, H + u.ph) - ys) * (min(xs + u.kw, W + u.pw) - xs));
  }
  return f32((min(ys + u.kh, H) - max(ys, 0)) * (min(xs + u.kw, W) - max(xs, 0)));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let H = i32(u.H);
  let W = i32(u.W);
  if (MODE <= 3u) {
    let ox = i32(i % u.OW);
    var t = i / u.OW;
    let oy = i32(t % u.OH);
    t = t / u.OH;
    let c = t % u.C;
    let img = t / u.C;
    let base = u.off_x + img * u.xs.x + c * u.xs.y;
    let ys = oy * u.sh - u.ph;
    let xs = ox * u.sw - u.pw;
    let y0 = max(ys, 0);
    let y1 = min(ys + u.kh, H);
    let x0 = max(xs, 0);
    let x1 = min(xs + u.kw, W);
    if (MODE == 1u) {
      var s = 0.0;
      for (var y = y0; y < y1; y++) {
        for (var x = x0; x < x1; x++) { s += X[base + u32(y) * u.xs.z + u32(x) * u.xs.w]; }
      }
      O[u.off_o + i] = {{TO}}(s / divisor(ys, xs));
      return;
    }
    // PyTorch's rule: a larger value or any NaN takes over; the first maximum wins ties.
    var best = -inf_f32();
    var by = y0;
    var bx = x0;
    for (var y = y0; y < y1; y++) {
      for (var x = x0; x < x1; x++) {
        let v = X[base + u32(y) * u.xs.z + u32(x) * u.xs.w];
        if (v > best || is_nan(v)) {
          best = v;
          by = y;
          bx = x;
        }
      }
    }
    if (MODE == 0u) {
      O[u.off_o + i] = {{TO}}(best);
    } else if (MODE == 2u) {
      O[u.off_o + i] = {{TO}}(Hb[u.off_h + img * u.hs.x + c * u.hs.y + u32(by) * u.hs.z + u32(bx) * u.hs.w]);
    } else {
      O[u.off_o + i] = {{TO}}(u32(by) * u.W + u32(bx));
    }
    return;
  }
  // Backward: i indexes the input. Window oy covers iy when oy*sh - ph <= iy < oy*sh - ph + kh.
  let ix = i32(i % u.W);
  var t = i / u.W;
  let iy = i32(t % u.H);
  t = t / u.H;
  let c = t % u.C;
  let img = t / u.C;
  let ly = iy + u.ph - u.kh + 1;
  let lx = ix + u.pw - u.kw + 1;
  let oy0 = select((ly + u.sh - 1) / u.sh, 0, ly <= 0);
  let ox0 = select((lx + u.sw - 1) / u.sw, 0, lx <= 0);
  let oy1 = min((iy + u.ph) / u.sh, i32(u.OH) - 1);
  let ox1 = min((ix + u.pw) / u.sw, i32(u.OW) - 1);
  let gbase = u.off_x + img * u.xs.x + c * u.xs.y;
  let plane = (img * u.C + c) * u.OH;
  let here = u32(iy) * u.W + u32(ix);
  var acc = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) {
    for (var ox = ox0; ox <= ox1; ox++) {
      let g = X[gbase + u32(oy) * u.xs.z + u32(ox) * u.xs.w];
      if (MODE == 4u) {
        if (u32(Hb[u.off_h + (plane + u32(oy)) * u.OW + u32(ox)]) == here) { acc += g; }
      } else {
        acc += g / divisor(oy * u.sh - u.ph, ox * u.sw - u.pw);
      }
    }
  }
  O[u.off_o + i] = {{TO}}(acc);
}
