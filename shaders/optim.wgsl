// Fused optimizer updates: one invocation reads a gradient element, updates the parameter element and
// its optimizer state in place, in one pass. The parameter and the state are bound read_write and only
// there (WebGPU forbids binding a buffer both writable and read-only in one dispatch). The state of one
// parameter is a single buffer holding up to four slots of n elements at the offsets in `slot`.
// Every hyperparameter, the bias corrections and the annealed noise scale are uniforms computed on the
// CPU from the step count it keeps, so changing them never compiles a pipeline.
//
// Scalars per algorithm (OptimParams in src/kernels/optim.ts; `_c` is one minus):
//   sgd:     momentum, dampening_c, noise_std (with NOISE); slot.x momentum buffer
//   adagrad: lr holds the decayed clr, eps; slot.x sum
//   rmsprop: alpha, alpha_c, eps, momentum; slot.x square_avg, .y momentum buffer, .z grad_avg
//   adam:    beta1_c, beta2, beta2_c, eps, step_size = lr / bias_correction1,
//            bc2_sqrt = sqrt(bias_correction2); slot.x exp_avg, .y exp_avg_sq, .z max_exp_avg_sq

{{PARAMS}}
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> P: array<f32>;
@group(0) @binding(3) var<storage, read_write> S: array<f32>;

// 0 sgd, 1 adagrad, 2 rmsprop, 3 adam: a constant, so each pipeline holds only its own update.
const ALGO: u32 = {{ALGO}}u;

// Flags: F_* from OPTIM_FLAGS. F_FIRST: SGD's first momentum step copies the gradient into the buffer
// (torch's clone), ignoring old contents.

fn has(f: u32) -> bool {
  return (u.flags & f) != 0u;
}

#include philox

// Box-Muller exactly as shaders/random.wgsl draws a standard normal.
fn gauss(i: u32) -> f32 {
  let r = philox_at(i);
  let u1 = (f32(r.x >> 8u) + 1.0) * (1.0 / 16777216.0);
  let u2 = f32(r.y >> 8u) * (1.0 / 16777216.0);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

// max that propagates NaN, as torch.maximum does.
fn nanmax(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), a, is_nan(a)), b, is_nan(b));
}

fn sgd(i: u32, p: f32, g0: f32) -> f32 {
  var d = g0;
  if (has(F_NOISE)) { d = d + u.noise_std * gauss(i); }
  if (u.wd != 0.0) { d = d + u.wd * p; }
  if (has(F_MOMENTUM)) {
    let k = u.slot.x + i;
    var buf = d;
    if (!has(F_FIRST)) { buf = u.momentum * S[k] + u.dampening_c * d; }
    S[k] = buf;
    d = select(buf, d + u.momentum * buf, has(F_NESTEROV));
  }
  return p - u.lr * d;
}

fn adagrad(i: u32, p: f32, g0: f32) -> f32 {
  var g = g0;
  if (u.wd != 0.0) { g = g + u.wd * p; }
  let k = u.slot.x + i;
  let s = S[k] + g * g;
  S[k] = s;
  return p - u.lr * (g / (sqrt(s) + u.eps));
}

fn rmsprop(i: u32, p: f32, g0: f32) -> f32 {
  var g = g0;
  if (u.wd != 0.0) { g = g + u.wd * p; }
  let ks = u.slot.x + i;
  let sq = u.alpha * S[ks] + u.alpha_c * (g * g);
  S[ks] = sq;
  var avg = sqrt(sq);
  if (has(F_CENTERED)) {
    let kg = u.slot.z + i;
    let ga = S[kg] + u.alpha_c * (g - S[kg]);
    S[kg] = ga;
    avg = sqrt(sq - ga * ga);
  }
  avg = avg + u.eps;
  if (has(F_MOMENTUM)) {
    let kb = u.slot.y + i;
    let buf = u.momentum * S[kb] + g / avg;
    S[kb] = buf;
    return p - u.lr * buf;
  }
  return p - u.lr * (g / avg);
}

fn adam(i: u32, p0: f32, g0: f32) -> f32 {
  var p = p0;
  var g = g0;
  if (u.wd != 0.0) {
    if (has(F_DECOUPLED)) { p = p * (1.0 - u.lr * u.wd); } else { g = g + u.wd * p; }
  }
  let km = u.slot.x + i;
  let kv = u.slot.y + i;
  let m = S[km] + u.beta1_c * (g - S[km]);
  let v = u.beta2 * S[kv] + u.beta2_c * (g * g);
  S[km] = m;
  S[kv] = v;
  var vmax = v;
  if (has(F_AMSGRAD)) {
    let kx = u.slot.z + i;
    vmax = nanmax(S[kx], v);
    S[kx] = vmax;
  }
  let denom = sqrt(vmax) / u.bc2_sqrt + u.eps;
  return p - u.step_size * (m / denom);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let p = P[u.p_off + i];
  var g = G[u.g_off + i];
  if (has(F_MAXIMIZE)) { g = -g; }
  var np = p;
  if (ALGO == 0u) { np = sgd(i, p, g); }
  if (ALGO == 1u) { np = adagrad(i, p, g); }
  if (ALGO == 2u) { np = rmsprop(i, p, g); }
  if (ALGO == 3u) { np = adam(i, p, g); }
  P[u.p_off + i] = np;
}
