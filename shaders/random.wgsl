// Counter-based random numbers (Philox4x32-10): element i of a call draws from counter (offset + i)
// under the seed as key, so results depend only on the seed and the call order, never on scheduling.

struct Params {
  n: u32,
  seed_lo: u32,
  seed_hi: u32,
  ctr_lo: u32,
  ctr_hi: u32,
  _pad: u32,
  a: f32,
  b: f32,
  ia: i32,
  ib: i32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> O: array<{{TO}}>;

// 0: uniform in [a, b); 1: normal with mean a and std b; 2: integers in [ia, ib).
override MODE: u32 = 0u;

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

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let lo = u.ctr_lo + i;
  let hi = u.ctr_hi + select(0u, 1u, lo < i);
  let r = philox(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>(u.seed_lo, u.seed_hi));
  if (MODE == 0u) {
    O[i] = {{TO}}(u.a + (u.b - u.a) * unit(r.x));
  } else if (MODE == 1u) {
    let u1 = (f32(r.x >> 8u) + 1.0) * (1.0 / 16777216.0);
    let u2 = unit(r.y);
    O[i] = {{TO}}(u.a + u.b * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
  } else {
    let span = u32(u.ib - u.ia);
    O[i] = {{TO}}(u.ia + i32(r.x % span));
  }
}
