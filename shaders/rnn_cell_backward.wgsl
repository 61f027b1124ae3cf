// One backward timestep of a recurrent cell (src/kernels/rnn.ts): from dh (the workspace gradient at
// this slot plus the recurrent gradient HR = dgates_{t+1} W_hh) and the saved gates, the gradients of the
// pre-activations, written to DG, and the carry CA for the previous step (LSTM: dc_{t-1}; GRU: the direct
// path z * dh to h_{t-1}). Each invocation reads and rewrites only its own carry element.
// HR and CA are [N, H] at offsets u.off_hr and u.off_ca. DG rows: the input projection's gradient
// (G blocks), then for GRU the hidden projection's (r, z, r * dn). DB [N, gw] sums the DG rows over
// time for the bias gradients; invocation (b, j) owns column j of every block of row b, so no two race.

{{PARAMS}}
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read> HR: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read_write> DG: array<f32>;
@group(0) @binding(5) var<storage, read_write> CA: array<f32>;
@group(0) @binding(6) var<storage, read_write> DB: array<f32>;

override CELL: u32 = 0u;

// DG[g + k] = v, and its running sum over time in DB.
fn put(g: u32, db: u32, k: u32, v: f32) {
  DG[g + k] = v;
  DB[db + k] = select(DB[db + k] + v, v, u.first != 0u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let H = u.hidden;
  let b = i / H;
  let j = i % H;
  let first = u.first != 0u;
  let dyb = u.dy_off + b * u.dy_sn;
  var dh = DY[dyb + j * u.dy_sc];
  if (!first) { dh += HR[u.off_hr + i]; }
  let cur = u.cur + b * u.ws_stride;
  let prv = u.prev + b * u.ws_stride;
  let g = u.off_dg + b * u.gw + j;
  let ca = u.off_ca + i;
  let db = u.off_db + b * u.gw + j;
  if (CELL <= 1u) {
    let h = W[cur + j];
    put(g, db, 0u, select(dh * (1.0 - h * h), select(0.0, dh, h > 0.0), CELL == 1u));
    return;
  }
  if (CELL == 2u) {
    var dc = DY[dyb + (H + j) * u.dy_sc];
    if (!first) { dc += CA[ca]; }
    let c = W[cur + H + j];
    let ig = W[cur + 2u * H + j];
    let fg = W[cur + 3u * H + j];
    let gg = W[cur + 4u * H + j];
    let og = W[cur + 5u * H + j];
    let tc = tanh_(c);
    dc += dh * og * (1.0 - tc * tc);
    put(g, db, 0u, dc * gg * ig * (1.0 - ig));
    put(g, db, H, dc * W[prv + H + j] * fg * (1.0 - fg));
    put(g, db, 2u * H, dc * ig * (1.0 - gg * gg));
    put(g, db, 3u * H, dh * tc * og * (1.0 - og));
    CA[ca] = dc * fg;
    return;
  }
  if (!first) { dh += CA[ca]; }
  let r = W[cur + H + j];
  let z = W[cur + 2u * H + j];
  let nn = W[cur + 3u * H + j];
  let hn = W[cur + 4u * H + j];
  let dan = dh * (1.0 - z) * (1.0 - nn * nn);
  let dar = dan * hn * r * (1.0 - r);
  let daz = dh * (W[prv + j] - nn) * z * (1.0 - z);
  put(g, db, 0u, dar);
  put(g, db, H, daz);
  put(g, db, 2u * H, dan);
  put(g, db, 3u * H, dar);
  put(g, db, 4u * H, daz);
  put(g, db, 5u * H, dan * r);
  CA[ca] = dh * z;
}
