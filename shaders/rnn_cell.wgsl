// One forward timestep of a recurrent cell (src/kernels/rnn.ts). Invocation i is batch row b = i / H,
// hidden unit j = i % H. XP holds this step's input projection (W_ih x + b_ih), HP the hidden
// projection (W_hh h_{t-1} + b_hh, [N, G*H]); W is the layer's workspace, read at the previous slot and
// written at the current one. Gate order as PyTorch: LSTM i, f, g, o; GRU r, z, n.
// CELL 0: h = tanh(a)   1: h = relu(a)   2: LSTM   3: GRU, n = tanh(x_n + r * (W_hn h + b_hn)).

{{PARAMS}}
@group(0) @binding(1) var<storage, read> XP: array<f32>;
@group(0) @binding(2) var<storage, read> HP: array<f32>;
@group(0) @binding(3) var<storage, read_write> W: array<f32>;

override CELL: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= u.n) { return; }
  let H = u.hidden;
  let b = i / H;
  let j = i % H;
  let x = u.off_x + b * u.rx + j;
  let gates = select(select(4u, 3u, CELL == 3u), 1u, CELL <= 1u);
  let hp = b * gates * H + j;
  let cur = u.cur + b * u.ws_stride;
  let prv = u.prev + b * u.ws_stride;
  if (CELL <= 1u) {
    let a = XP[x] + HP[hp];
    W[cur + j] = select(tanh_(a), max(a, 0.0), CELL == 1u);
    return;
  }
  if (CELL == 2u) {
    let ig = sigmoid_(XP[x] + HP[hp]);
    let fg = sigmoid_(XP[x + H] + HP[hp + H]);
    let gg = tanh_(XP[x + 2u * H] + HP[hp + 2u * H]);
    let og = sigmoid_(XP[x + 3u * H] + HP[hp + 3u * H]);
    let c = fg * W[prv + H + j] + ig * gg;
    W[cur + j] = og * tanh_(c);
    W[cur + H + j] = c;
    W[cur + 2u * H + j] = ig;
    W[cur + 3u * H + j] = fg;
    W[cur + 4u * H + j] = gg;
    W[cur + 5u * H + j] = og;
    return;
  }
  let r = sigmoid_(XP[x] + HP[hp]);
  let z = sigmoid_(XP[x + H] + HP[hp + H]);
  let hn = HP[hp + 2u * H];
  let nn = tanh_(XP[x + 2u * H] + r * hn);
  W[cur + j] = (1.0 - z) * nn + z * W[prv + j];
  W[cur + H + j] = r;
  W[cur + 2u * H + j] = z;
  W[cur + 3u * H + j] = nn;
  W[cur + 4u * H + j] = hn;
}
