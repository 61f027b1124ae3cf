// Philox4x32-10, counter-based random numbers shared by random.wgsl and optim.wgsl, so that SGD's
// gradient noise for element i equals what randn would have drawn at the same stream position. The
// including shader's Params hold the key `seed` and the stream position `ctr` as u64 fields.

// 32 x 32 -> 64-bit product as (hi, lo), from 16-bit halves since WGSL has no 64-bit integers.
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let hl = ah * bl;
  let lh = al * bh;
  let hh = ah * bh;
  let cross = (ll >> 16u) + (hl & 0xffffu) + lh;
  return vec2<u32>(hh + (hl >> 16u) + (cross >> 16u), (cross << 16u) | (ll & 0xffffu));
}

fn philox(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = ctr;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

fn unit(x: u32) -> f32 {
  return f32(x >> 8u) * (1.0 / 16777216.0);
}

// The block for element i of a call: the 64-bit counter ctr + i under the key seed.
fn philox_at(i: u32) -> vec4<u32> {
  let lo = u.ctr_lo + i;
  let hi = u.ctr_hi + select(0u, 1u, lo < i);
  return philox(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>(u.seed_lo, u.seed_hi));
}
