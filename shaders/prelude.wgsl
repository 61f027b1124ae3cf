// webgrad prelude: prepended to every kernel, after WG and MAX_DIMS (src/kernels/constants.ts).
// Shapes and strides always arrive as uniforms, so one compiled pipeline serves every shape.

// Linear invocation index over a 2-D grid of 256-wide workgroups (the grid splits past 65,535 groups).
fn flat_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}

// Bit tests rather than x != x, which a compiler assuming finite math may fold away.
fn is_nan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}
fn is_inf(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}
// Through a var: WGSL's constant evaluation rejects NaN and infinity, runtime values may hold them.
fn nan_f32() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}
fn inf_f32() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

// SwiftShader's exp, exp2, log and log2 of NaN give Inf or 89.13 (both fused and unfused), so every
// transcendental the elementwise table uses goes through a helper that passes NaN through by bits.
fn exp_(x: f32) -> f32 {
  return select(exp(x), x, is_nan(x));
}
fn log_(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return -inf_f32(); }
  return log(x);
}
// The sign bit of `s` on the magnitude of `m` (WGSL's sign() loses the sign of -0 and NaN).
fn copysign_(m: f32, s: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(m) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}
// sin keeps -0; WGSL leaves sin(-0) to the driver.
fn sin_(x: f32) -> f32 {
  return select(sin(x), x, x == 0.0 || is_nan(x));
}
fn cos_(x: f32) -> f32 {
  return select(cos(x), x, is_nan(x));
}

// WGSL lacks these; the forms below keep full precision near zero (Kahan's tricks).
fn log1p_(x: f32) -> f32 {
  if (is_nan(x) || x < -1.0) { return nan_f32(); }
  if (x == -1.0) { return -inf_f32(); }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (is_inf(u)) { return u; }
  return log(u) * x / (u - 1.0);
}
fn expm1_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  // x * (1 + x / 2) rather than x + x * x / 2 keeps the sign of -0.
  if (abs(x) < 1e-5) { return x * (1.0 + 0.5 * x); }
  return exp(x) - 1.0;
}
// tanh through exp(-2|x|) cannot overflow, unlike some drivers' tanh for |x| > 88.
fn tanh_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let e = exp(-2.0 * abs(x));
  return copysign_((1.0 - e) / (1.0 + e), x);
}
fn sigmoid_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn softplus_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return max(x, 0.0) + log1p_(exp(-abs(x)));
}
// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), for the exact GELU.
fn erf_(x: f32) -> f32 {
  if (is_nan(x) || x == 0.0) { return x; }
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x);
  return copysign_(y, x);
}
// pow as C and PyTorch define it: pow(x, 0) = pow(1, y) = 1 even for NaN, pow(-1, ±Inf) = 1, a negative
// base takes only integer exponents, and zeros and infinities keep the sign of odd powers.
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan_f32(); }
  let m = abs(a);
  if (is_inf(b)) {
    if (m == 1.0) { return 1.0; }
    return select(0.0, inf_f32(), (m > 1.0) == (b > 0.0));
  }
  let integral = floor(b) == b;
  let odd = integral && abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  let negative = (bitcast<u32>(a) & 0x80000000u) != 0u;
  if (a == 0.0 || is_inf(a)) {
    let r = select(0.0, inf_f32(), (a == 0.0) == (b < 0.0));
    return select(r, -r, negative && odd);
  }
  if (negative && !integral) { return nan_f32(); }
  let r = exp2(b * log2(m));
  return select(r, -r, negative && odd);
}
