// 2-D pooling over NCHW planes, one invocation per element. MODE:
//   0  max           out[n, c, oy, ox] = max of the window (NaN wins, as in PyTorch)
//   1  avg           out = window sum / divisor (count_include_pad or the valid count)
//   2  max pick      out = H at the position where X's window has its maximum
//   3  argmax        out = that position as iy * W + ix (u32)
//   4  max backward  dx[n, c, iy, ix] = sum of dY over the windows whose argmax (H, from mode 3) is here
//   5  avg backward  dx = sum of dY / divisor over the windows that cover this pixel
// Backward modes gather from the few windows covering a pixel, so no atomics are needed.
// u.adaptive != 0: adaptive pooling, output row oy spans [floor(oy*H/OH), ceil((oy+1)*H/OH)) as in
// PyTorch (windows of varying size, no padding), likewise for columns; the divisor is the window area.

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

fn adaptive_start(o: i32, size: i32, osize: i32) -> i32 {
  return (o * size) / osize;
}

fn adaptive_end(o: i32, size: i32, osize: i32) -> i32 {
  return ((o + 1) * size + osize - 1) / osize;
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
    var ys = oy * u.sh - u.ph;
    var xs = ox * u.sw - u.pw;
    var y0 = max(ys, 0);
    var y1 = min(ys + u.kh, H);
    var x0 = max(xs, 0);
    var x1 = min(xs + u.kw, W);
    if (u.adaptive != 0u) {
      y0 = adaptive_start(oy, H, i32(u.OH));
      y1 = adaptive_end(oy, H, i32(u.OH));
      x0 = adaptive_start(ox, W, i32(u.OW));
      x1 = adaptive_end(ox, W, i32(u.OW));
    }
    if (MODE == 1u) {
      var s = 0.0;
      for (var y = y0; y < y1; y++) {
        for (var x = x0; x < x1; x++) { s += X[base + u32(y) * u.xs.z + u32(x) * u.xs.w]; }
      }
      let div = select(divisor(ys, xs), f32((y1 - y0) * (x1 - x0)), u.adaptive != 0u);
      O[u.off_o + i] = {{TO}}(s / div);
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
  var oy0 = select((ly + u.sh - 1) / u.sh, 0, ly <= 0);
  var ox0 = select((lx + u.sw - 1) / u.sw, 0, lx <= 0);
  var oy1 = min((iy + u.ph) / u.sh, i32(u.OH) - 1);
  var ox1 = min((ix + u.pw) / u.sw, i32(u.OW) - 1);
  if (u.adaptive != 0u) {
    // Window o covers i exactly when floor(i*O/S) <= o < ceil((i+1)*O/S).
    oy0 = (iy * i32(u.OH)) / H;
    oy1 = ((iy + 1) * i32(u.OH) + H - 1) / H - 1;
    ox0 = (ix * i32(u.OW)) / W;
    ox1 = ((ix + 1) * i32(u.OW) + W - 1) / W - 1;
  }
  let gbase = u.off_x + img * u.xs.x + c * u.xs.y;
  let plane = (img * u.C + c) * u.OH;
  let here = u32(iy) * u.W + u32(ix);
  var acc = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) {
    for (var ox = ox0; ox <= ox1; ox++) {
      let g = X[gbase + u32(oy) * u.xs.z + u32(ox) * u.xs.w];
      if (MODE == 4u) {
        if (u32(Hb[u.off_h + (plane + u32(oy)) * u.OW + u32(ox)]) == here) { acc += g; }
      } else if (u.adaptive != 0u) {
        let ah = adaptive_end(oy, H, i32(u.OH)) - adaptive_start(oy, H, i32(u.OH));
        let aw = adaptive_end(ox, W, i32(u.OW)) - adaptive_start(ox, W, i32(u.OW));
        acc += g / f32(ah * aw);
      } else {
        acc += g / divisor(oy * u.sh - u.ph, ox * u.sw - u.pw);
      }
    }
  }
  O[u.off_o + i] = {{TO}}(acc);
}
