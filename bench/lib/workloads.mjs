// The benchmark's workloads: sizes, inputs (deterministic, the same bytes for every engine), the work
// each one does (FLOPs or bytes moved, for GFLOP/s and GB/s) and a float64 CPU reference for its output.
// Runtime-agnostic (browser, Node, Deno): no imports.

/** A seeded uniform [0, 1) generator (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const numel = (shape) => shape.reduce((a, b) => a * b, 1);

function uniform(r, shape, lo = -1, hi = 1) {
  const a = new Float32Array(numel(shape));
  for (let i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * r();
  return { shape, data: a };
}

/** `count` distinct-ish sample positions in [0, n), always including the first and the last. */
function samples(r, n, count) {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const out = [0, n - 1];
  while (out.length < count) out.push(Math.floor(r() * n));
  return out;
}

// ---- references (float64) -------------------------------------------------------------------------

function matmulRef(a, b, [B, M, K, N], r, count) {
  const n = B * M * N;
  const idx = samples(r, n, count);
  const values = idx.map((i) => {
    const bi = Math.floor(i / (M * N)), row = Math.floor((i % (M * N)) / N), col = i % N;
    let s = 0;
    const ao = bi * M * K + row * K, bo = bi * K * N + col;
    for (let k = 0; k < K; k++) s += a[ao + k] * b[bo + k * N];
    return s;
  });
  return { idx, values };
}

function conv2dRef(x, w, { N, C, H, W, O, k, pad }, r, count) {
  const n = N * O * H * W; // stride 1, "same" padding
  const idx = samples(r, n, count);
  const values = idx.map((i) => {
    const ni = Math.floor(i / (O * H * W)), o = Math.floor(i / (H * W)) % O, y = Math.floor(i / W) % H, xx = i % W;
    let s = 0;
    for (let c = 0; c < C; c++)
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) {
          const iy = y + dy - pad, ix = xx + dx - pad;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          s += x[((ni * C + c) * H + iy) * W + ix] * w[((o * C + c) * k + dy) * k + dx];
        }
    return s;
  });
  return { idx, values };
}

function rowsReduce(x, rows, cols, op) {
  const out = new Float64Array(rows);
  const scale = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = op === 'sum' ? 0 : -Infinity, q = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[i * cols + j];
      if (op === 'sum') s += v;
      else if (v > s) s = v;
      q += v * v;
    }
    out[i] = s;
    scale[i] = op === 'sum' ? Math.sqrt(q) : Math.abs(s);
  }
  return { values: out, scale: Math.sqrt(scale.reduce((a, v) => a + v * v, 0) / rows) || 1 };
}

function softmaxRef(x, rows, cols) {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[i * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += out[i * cols + j] = Math.exp(x[i * cols + j] - m);
    for (let j = 0; j < cols; j++) out[i * cols + j] /= s;
  }
  return { values: out };
}

// The MLP: Linear(I,H) ReLU Linear(H,H) ReLU Linear(H,O), mean cross-entropy over the batch, Adam.
// Weights are stored [in, out] (x @ W + b); engines that keep [out, in] transpose them on upload.
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function mlpRef(inp, sizes, steps) {
  const [I, H, O] = sizes;
  const Bn = inp.x.shape[0];
  const x = inp.x.data, labels = inp.labels.data;
  const P = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'].map((k) => Float64Array.from(inp[k].data));
  const m = P.map((p) => new Float64Array(p.length)), v = P.map((p) => new Float64Array(p.length));
  const dims = [[I, H], [H, H], [H, O]];
  const losses = [];
  for (let t = 1; t <= steps; t++) {
    // forward
    const acts = [Float64Array.from(x)];
    for (let l = 0; l < 3; l++) {
      const [fi, fo] = dims[l], W = P[2 * l], b = P[2 * l + 1], a = acts[l];
      const z = new Float64Array(Bn * fo);
      for (let r = 0; r < Bn; r++) {
        const zr = r * fo;
        for (let j = 0; j < fo; j++) z[zr + j] = b[j];
        for (let k = 0; k < fi; k++) {
          const av = a[r * fi + k];
          if (av === 0) continue;
          const wk = k * fo;
          for (let j = 0; j < fo; j++) z[zr + j] += av * W[wk + j];
        }
      }
      if (l < 2) for (let i = 0; i < z.length; i++) z[i] = Math.max(0, z[i]);
      acts.push(z);
    }
    const logits = acts[3];
    let loss = 0;
    let g = new Float64Array(Bn * O); // dLoss/dlogits
    for (let r = 0; r < Bn; r++) {
      let mx = -Infinity;
      for (let j = 0; j < O; j++) mx = Math.max(mx, logits[r * O + j]);
      let s = 0;
      for (let j = 0; j < O; j++) s += Math.exp(logits[r * O + j] - mx);
      const lse = mx + Math.log(s);
      loss += lse - logits[r * O + labels[r]];
      for (let j = 0; j < O; j++) g[r * O + j] = (Math.exp(logits[r * O + j] - lse) - (j === labels[r] ? 1 : 0)) / Bn;
    }
    losses.push(loss / Bn);
    // backward
    const grads = new Array(6);
    for (let l = 2; l >= 0; l--) {
      const [fi, fo] = dims[l], W = P[2 * l], a = acts[l];
      const gW = new Float64Array(fi * fo), gb = new Float64Array(fo);
      for (let r = 0; r < Bn; r++)
        for (let j = 0; j < fo; j++) {
          const gv = g[r * fo + j];
          gb[j] += gv;
          if (gv === 0) continue;
          for (let k = 0; k < fi; k++) gW[k * fo + j] += a[r * fi + k] * gv;
        }
      grads[2 * l] = gW;
      grads[2 * l + 1] = gb;
      if (l > 0) {
        const ga = new Float64Array(Bn * fi);
        for (let r = 0; r < Bn; r++)
          for (let k = 0; k < fi; k++) {
            if (a[r * fi + k] <= 0) continue; // ReLU'
            let s = 0;
            for (let j = 0; j < fo; j++) s += g[r * fo + j] * W[k * fo + j];
            ga[r * fi + k] = s;
          }
        g = ga;
      }
    }
    // Adam
    const { lr, beta1, beta2, eps } = ADAM;
    for (let p = 0; p < 6; p++)
      for (let i = 0; i < P[p].length; i++) {
        const gi = grads[p][i];
        m[p][i] = beta1 * m[p][i] + (1 - beta1) * gi;
        v[p][i] = beta2 * v[p][i] + (1 - beta2) * gi * gi;
        const mh = m[p][i] / (1 - beta1 ** t), vh = v[p][i] / (1 - beta2 ** t);
        P[p][i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
  }
  return [{ values: Float64Array.from(losses), name: 'losses' }, { values: P[5], name: 'b3 after' }];
}

// Linear(I,H), batch norm over the batch (biased variance, eps), ReLU, dropout by a fixed mask / (1-p),
// Linear(H,O), mean cross-entropy, Adam. Parameters [w1, b1, gamma, beta, w2, b2]; gradients by hand.
function mlpBnRef(inp, { I, H, O, p, eps }, steps) {
  const Bn = inp.x.shape[0];
  const x = inp.x.data, labels = inp.labels.data, mask = inp.mask.data;
  const P = ['w1', 'b1', 'gamma', 'beta', 'w2', 'b2'].map((k) => Float64Array.from(inp[k].data));
  const m = P.map((q) => new Float64Array(q.length)), v = P.map((q) => new Float64Array(q.length));
  const losses = [];
  const keep = 1 / (1 - p);
  for (let t = 1; t <= steps; t++) {
    const [w1, b1, gamma, beta, w2, b2] = P;
    const z = new Float64Array(Bn * H);
    for (let r = 0; r < Bn; r++)
      for (let j = 0; j < H; j++) {
        let s = b1[j];
        for (let k = 0; k < I; k++) s += x[r * I + k] * w1[k * H + j];
        z[r * H + j] = s;
      }
    const mu = new Float64Array(H), va = new Float64Array(H), rstd = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      for (let r = 0; r < Bn; r++) mu[j] += z[r * H + j] / Bn;
      for (let r = 0; r < Bn; r++) va[j] += (z[r * H + j] - mu[j]) ** 2 / Bn;
      rstd[j] = 1 / Math.sqrt(va[j] + eps);
    }
    const xh = new Float64Array(Bn * H), y = new Float64Array(Bn * H), d = new Float64Array(Bn * H);
    for (let i = 0; i < Bn * H; i++) {
      const j = i % H;
      xh[i] = (z[i] - mu[j]) * rstd[j];
      y[i] = gamma[j] * xh[i] + beta[j];
      d[i] = Math.max(0, y[i]) * mask[i] * keep;
    }
    const g = new Float64Array(Bn * O);
    let loss = 0;
    for (let r = 0; r < Bn; r++) {
      const lg = new Float64Array(O);
      for (let o = 0; o < O; o++) {
        let s = b2[o];
        for (let j = 0; j < H; j++) s += d[r * H + j] * w2[j * O + o];
        lg[o] = s;
      }
      const mx = Math.max(...lg);
      const lse = mx + Math.log(lg.reduce((a, q) => a + Math.exp(q - mx), 0));
      loss += lse - lg[labels[r]];
      for (let o = 0; o < O; o++) g[r * O + o] = (Math.exp(lg[o] - lse) - (o === labels[r] ? 1 : 0)) / Bn;
    }
    losses.push(loss / Bn);
    const gw2 = new Float64Array(H * O), gb2 = new Float64Array(O), gy = new Float64Array(Bn * H);
    for (let r = 0; r < Bn; r++)
      for (let o = 0; o < O; o++) {
        gb2[o] += g[r * O + o];
        for (let j = 0; j < H; j++) gw2[j * O + o] += d[r * H + j] * g[r * O + o];
      }
    for (let r = 0; r < Bn; r++)
      for (let j = 0; j < H; j++) {
        const i = r * H + j;
        if (y[i] <= 0) continue;
        let s = 0;
        for (let o = 0; o < O; o++) s += g[r * O + o] * w2[j * O + o];
        gy[i] = s * mask[i] * keep;
      }
    const gg = new Float64Array(H), gbeta = new Float64Array(H), mg = new Float64Array(H), mgx = new Float64Array(H);
    for (let i = 0; i < Bn * H; i++) {
      const j = i % H;
      gg[j] += gy[i] * xh[i];
      gbeta[j] += gy[i];
      mg[j] += (gy[i] * gamma[j]) / Bn;
      mgx[j] += (gy[i] * gamma[j] * xh[i]) / Bn;
    }
    const gz = new Float64Array(Bn * H);
    for (let i = 0; i < Bn * H; i++) {
      const j = i % H;
      gz[i] = rstd[j] * (gy[i] * gamma[j] - mg[j] - xh[i] * mgx[j]);
    }
    const gw1 = new Float64Array(I * H), gb1 = new Float64Array(H);
    for (let r = 0; r < Bn; r++)
      for (let j = 0; j < H; j++) {
        gb1[j] += gz[r * H + j];
        for (let k = 0; k < I; k++) gw1[k * H + j] += x[r * I + k] * gz[r * H + j];
      }
    const grads = [gw1, gb1, gg, gbeta, gw2, gb2];
    const { lr, beta1, beta2, eps: ae } = ADAM;
    for (let q = 0; q < 6; q++)
      for (let i = 0; i < P[q].length; i++) {
        const gi = grads[q][i];
        m[q][i] = beta1 * m[q][i] + (1 - beta1) * gi;
        v[q][i] = beta2 * v[q][i] + (1 - beta2) * gi * gi;
        P[q][i] -= (lr * (m[q][i] / (1 - beta1 ** t))) / (Math.sqrt(v[q][i] / (1 - beta2 ** t)) + ae);
      }
  }
  return [{ values: Float64Array.from(losses), name: 'losses' }, { values: P[5], name: 'b2 after' }];
}

// ---- LeNet-style CNN train step (conv-relu-pool x2, two dense layers, Adam) ------------------------
// Conv weights are stored OIHW [out, in, k, k] (as PyTorch and webgrad), dense weights [in, out];
// engines with other layouts transpose on upload. Valid 5x5 convolutions, 2x2 max pools.

/** conv (valid, stride 1) + bias: x [B, C, S, S], w [O, C, k, k] -> [B, O, S-k+1, S-k+1]. */
function convValid(x, w, b, B, C, S, O, k) {
  const T = S - k + 1;
  const y = new Float64Array(B * O * T * T);
  for (let n = 0; n < B; n++)
    for (let o = 0; o < O; o++) {
      const yo = (n * O + o) * T * T;
      for (let i = 0; i < T * T; i++) y[yo + i] = b[o];
      for (let c = 0; c < C; c++) {
        const xc = (n * C + c) * S * S, wc = (o * C + c) * k * k;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const wv = w[wc + ky * k + kx];
            for (let r = 0; r < T; r++) {
              const xr = xc + (r + ky) * S + kx, yr = yo + r * T;
              for (let q = 0; q < T; q++) y[yr + q] += wv * x[xr + q];
            }
          }
      }
    }
  return y;
}

/** relu then 2x2 max pool of [B*C, T, T]; returns the pooled values and each window's argmax. */
function reluPool(z, planes, T) {
  const U = T >> 1;
  const out = new Float64Array(planes * U * U), at = new Int32Array(planes * U * U);
  for (let p = 0; p < planes; p++)
    for (let r = 0; r < U; r++)
      for (let q = 0; q < U; q++) {
        let best = -Infinity, bi = -1;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const i = (p * T + 2 * r + dy) * T + 2 * q + dx;
            if (z[i] > best) (best = z[i]), (bi = i);
          }
        out[(p * U + r) * U + q] = Math.max(best, 0);
        at[(p * U + r) * U + q] = best > 0 ? bi : -1;
      }
  return { out, at };
}

function lenetRef(inp, p, steps) {
  const { B, S, C1, C2, k, F1, O } = p;
  const names = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3', 'w4', 'b4'];
  const P = names.map((n) => Float64Array.from(inp[n].data));
  const m = P.map((q) => new Float64Array(q.length)), v = P.map((q) => new Float64Array(q.length));
  const x = Float64Array.from(inp.x.data), labels = inp.labels.data;
  const T1 = S - k + 1, U1 = T1 >> 1, T2 = U1 - k + 1, U2 = T2 >> 1, D = C2 * U2 * U2;
  const losses = [];
  for (let t = 1; t <= steps; t++) {
    const [w1, b1, w2, b2, w3, b3, w4, b4] = P;
    const z1 = convValid(x, w1, b1, B, 1, S, C1, k);
    const p1 = reluPool(z1, B * C1, T1);
    const z2 = convValid(p1.out, w2, b2, B, C1, U1, C2, k);
    const p2 = reluPool(z2, B * C2, T2);
    const f = p2.out; // [B, D]
    const h = new Float64Array(B * F1);
    for (let r = 0; r < B; r++)
      for (let j = 0; j < F1; j++) {
        let s = b3[j];
        for (let i = 0; i < D; i++) s += f[r * D + i] * w3[i * F1 + j];
        h[r * F1 + j] = Math.max(s, 0);
      }
    const g4 = new Float64Array(B * O);
    let loss = 0;
    for (let r = 0; r < B; r++) {
      const z = new Float64Array(O);
      let mx = -Infinity;
      for (let j = 0; j < O; j++) {
        let s = b4[j];
        for (let i = 0; i < F1; i++) s += h[r * F1 + i] * w4[i * O + j];
        z[j] = s;
        mx = Math.max(mx, s);
      }
      let se = 0;
      for (let j = 0; j < O; j++) se += Math.exp(z[j] - mx);
      const lse = mx + Math.log(se);
      loss += lse - z[labels[r]];
      for (let j = 0; j < O; j++) g4[r * O + j] = (Math.exp(z[j] - lse) - (j === labels[r] ? 1 : 0)) / B;
    }
    losses.push(loss / B);
    const G = P.map((q) => new Float64Array(q.length));
    // dense layers
    const gh = new Float64Array(B * F1);
    for (let r = 0; r < B; r++)
      for (let j = 0; j < O; j++) {
        const g = g4[r * O + j];
        G[7][j] += g;
        for (let i = 0; i < F1; i++) {
          G[6][i * O + j] += h[r * F1 + i] * g;
          gh[r * F1 + i] += w4[i * O + j] * g;
        }
      }
    const gf = new Float64Array(B * D);
    for (let r = 0; r < B; r++)
      for (let j = 0; j < F1; j++) {
        if (h[r * F1 + j] <= 0) continue;
        const g = gh[r * F1 + j];
        G[5][j] += g;
        for (let i = 0; i < D; i++) {
          G[4][i * F1 + j] += f[r * D + i] * g;
          gf[r * D + i] += w3[i * F1 + j] * g;
        }
      }
    // pool2 + relu2 -> dz2
    const dz2 = new Float64Array(z2.length);
    for (let i = 0; i < gf.length; i++) if (p2.at[i] >= 0) dz2[p2.at[i]] += gf[i];
    // conv2: dw2, db2, dp1
    const dp1 = new Float64Array(p1.out.length);
    for (let n = 0; n < B; n++)
      for (let o = 0; o < C2; o++)
        for (let r = 0; r < T2; r++)
          for (let q = 0; q < T2; q++) {
            const g = dz2[((n * C2 + o) * T2 + r) * T2 + q];
            if (g === 0) continue;
            G[3][o] += g;
            for (let c = 0; c < C1; c++)
              for (let ky = 0; ky < k; ky++)
                for (let kx = 0; kx < k; kx++) {
                  const xi = ((n * C1 + c) * U1 + r + ky) * U1 + q + kx, wi = ((o * C1 + c) * k + ky) * k + kx;
                  G[2][wi] += g * p1.out[xi];
                  dp1[xi] += g * w2[wi];
                }
          }
    const dz1 = new Float64Array(z1.length);
    for (let i = 0; i < dp1.length; i++) if (p1.at[i] >= 0) dz1[p1.at[i]] += dp1[i];
    for (let n = 0; n < B; n++)
      for (let o = 0; o < C1; o++)
        for (let r = 0; r < T1; r++)
          for (let q = 0; q < T1; q++) {
            const g = dz1[((n * C1 + o) * T1 + r) * T1 + q];
            if (g === 0) continue;
            G[1][o] += g;
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) G[0][(o * k + ky) * k + kx] += g * x[(n * S + r + ky) * S + q + kx];
          }
    const { lr, beta1, beta2, eps } = ADAM;
    for (let j = 0; j < P.length; j++)
      for (let i = 0; i < P[j].length; i++) {
        const gi = G[j][i];
        m[j][i] = beta1 * m[j][i] + (1 - beta1) * gi;
        v[j][i] = beta2 * v[j][i] + (1 - beta2) * gi * gi;
        const mh = m[j][i] / (1 - beta1 ** t), vh = v[j][i] / (1 - beta2 ** t);
        P[j][i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
  }
  return [{ values: Float64Array.from(losses), name: 'losses' }, { values: P[7], name: 'b4 after' }];
}

/** The LeNet workload (a block of its own; list.push(lenet(s)) in workloads()). */
function lenet(s) {
  const p = s ? { B: 4, S: 16, C1: 6, C2: 16, k: 5, F1: 24, O: 10 } : { B: 64, S: 28, C1: 6, C2: 16, k: 5, F1: 120, O: 10 };
  const T1 = p.S - p.k + 1, U1 = T1 >> 1, T2 = U1 - p.k + 1, U2 = T2 >> 1, D = p.C2 * U2 * U2;
  const conv1 = 2 * p.B * p.C1 * T1 * T1 * p.k * p.k, conv2 = 2 * p.B * p.C2 * T2 * T2 * p.C1 * p.k * p.k;
  const dense = 2 * p.B * (D * p.F1 + p.F1 * p.O);
  return {
    id: 'lenet-train', label: `LeNet CNN train step (conv5-relu-pool ×2, ${D}-${p.F1}-${p.O}), ${p.S}×${p.S}, batch ${p.B}, Adam`, kind: 'lenet', group: 'training',
    params: { ...p, D, adam: ADAM },
    // forward + input and weight gradients (none for the first conv's input)
    flops: 3 * (conv1 + conv2 + dense) - conv1, outBytes: 4, metric: 'GFLOP/s',
    inputs(r) {
      const u = (shape, fanIn) => uniform(r, shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
      const x = uniform(r, [p.B, 1, p.S, p.S], 0, 1);
      const labels = { shape: [p.B], data: Int32Array.from({ length: p.B }, () => Math.floor(r() * p.O)) };
      const onehot = { shape: [p.B, p.O], data: new Float32Array(p.B * p.O) };
      for (let i = 0; i < p.B; i++) onehot.data[i * p.O + labels.data[i]] = 1;
      const k2 = p.k * p.k;
      return {
        x, labels, onehot,
        w1: u([p.C1, 1, p.k, p.k], k2), b1: u([p.C1], k2),
        w2: u([p.C2, p.C1, p.k, p.k], p.C1 * k2), b2: u([p.C2], p.C1 * k2),
        w3: u([D, p.F1], D), b3: u([p.F1], D),
        w4: u([p.F1, p.O], p.F1), b4: u([p.O], p.F1),
      };
    },
    checkSteps: 2,
    reference: (inp) => lenetRef(inp, p, 2),
  };
}

// ---- workloads ------------------------------------------------------------------------------------

function matmul(id, label, B, M, K, N, batched) {
  return {
    id, label, kind: 'matmul', group: 'matmul',
    params: { B, M, K, N, batched },
    flops: 2 * B * M * K * N,
    outBytes: 4 * B * M * N,
    metric: 'GFLOP/s',
    inputs(r) {
      const a = uniform(r, batched ? [B, M, K] : [M, K]);
      const b = uniform(r, batched ? [B, K, N] : [K, N]);
      return { a, b };
    },
    reference(inp, r) {
      const { idx, values } = matmulRef(inp.a.data, inp.b.data, [B, M, K, N], r, 256);
      return [{ idx, values, scale: Math.sqrt(K / 9) }];
    },
  };
}

/**
 * The workload list. `size` 'full' is the issue's sizes; 'smoke' shrinks every workload to a few
 * thousand elements (for the correctness smoke test) while keeping its shape structure.
 */
export function workloads(size = 'full') {
  const s = size === 'smoke';
  const list = [];
  for (const n of s ? [16, 33] : [128, 256, 512, 1024, 2048]) list.push(matmul(`matmul-${n}`, `matmul ${n}×${n}×${n}`, 1, n, n, n, false));
  // Opt-in (see select() in driver.mjs): the issue's GPU figure is matmul 4096 against the fp32 peak,
  // and on SwiftShader one repetition takes tens of seconds, too long for every default run.
  const big = s ? 48 : 4096;
  list.push({ ...matmul('matmul-4096', `matmul ${big}×${big}×${big}`, 1, big, big, big, false), optIn: !s });
  list.push(s ? matmul('matmul-skinny', 'matmul skinny 8×20×12', 1, 8, 20, 12, false) : matmul('matmul-skinny', 'matmul skinny 128×784×512', 1, 128, 784, 512, false));
  list.push(s ? matmul('matmul-batched', 'matmul batched 4×8×8', 4, 8, 8, 8, true) : matmul('matmul-batched', 'matmul batched 32×128×128', 32, 128, 128, 128, true));

  const E = s ? 3000 : 4 * 1024 * 1024;
  list.push({
    id: 'elementwise', label: `relu(x*y + z), ${s ? E : '4M'} elements`, kind: 'elementwise', group: 'elementwise',
    params: { n: E }, bytes: 16 * E, outBytes: 4 * E, metric: 'GB/s',
    inputs: (r) => ({ x: uniform(r, [E]), y: uniform(r, [E]), z: uniform(r, [E]) }),
    reference(inp) {
      const { x, y, z } = inp;
      const out = new Float64Array(E);
      for (let i = 0; i < E; i++) out[i] = Math.max(0, x.data[i] * y.data[i] + z.data[i]);
      return [{ values: out }];
    },
  });

  // The bandwidth yardstick for the GPU report: 256 MB each way is far beyond any GPU's last-level
  // cache, so it measures DRAM. Opt-in like matmul-4096. Only webgrad runs it: TF.js's clone and
  // identity share the input's buffer, and jax-js arrays are immutable, so neither has an op that
  // really copies; an arithmetic stand-in would be a different kernel, not a copy.
  const Y = s ? 5000 : 64 * 1024 * 1024;
  list.push({
    id: 'copy', label: `copy ${s ? Y : '64M'} float32 elements (read + write)`, kind: 'copy', group: 'copy', optIn: !s,
    engines: ['webgrad'], enginesWhy: 'TF.js clone/identity and jax-js arrays share buffers instead of copying',
    params: { n: Y }, bytes: 8 * Y, outBytes: 4 * Y, metric: 'GB/s', tol: 0,
    inputs: (r) => ({ x: uniform(r, [Y]) }),
    // The input is its own exact reference; scale 1 spares an RMS pass over 64M elements.
    reference: (inp) => [{ values: inp.x.data, scale: 1 }],
  });

  const [R, C] = s ? [37, 50] : [4096, 1024];
  for (const op of ['sum', 'max'])
    for (const axis of [1, null]) {
      list.push({
        id: `${op}-${axis === null ? 'all' : 'rows'}`, tol: 1e-4, label: `${op} ${axis === null ? 'all' : 'over rows'} ${R}×${C}`, kind: 'reduce', group: 'reduce',
        params: { op, axis, R, C }, bytes: 4 * R * C + 4 * (axis === null ? 1 : R), outBytes: 4 * (axis === null ? 1 : R), metric: 'GB/s',
        inputs: (r) => ({ x: uniform(r, [R, C]) }),
        reference(inp) {
          if (axis === 1) return [rowsReduce(inp.x.data, R, C, op)];
          const t = rowsReduce(inp.x.data, 1, R * C, op);
          return [t];
        },
      });
    }
  list.push({
    id: 'softmax', label: `softmax over rows ${R}×${C}`, kind: 'softmax', group: 'softmax',
    params: { R, C }, bytes: 8 * R * C, outBytes: 4 * R * C, metric: 'GB/s',
    inputs: (r) => ({ x: uniform(r, [R, C], -4, 4) }),
    reference: (inp) => [softmaxRef(inp.x.data, R, C)],
  });

  const cv = s ? { N: 2, C: 4, H: 6, W: 7, O: 8, k: 3, pad: 1 } : { N: 16, C: 32, H: 32, W: 32, O: 64, k: 3, pad: 1 };
  list.push({
    id: 'conv2d', label: `conv2d 3×3 N=${cv.N} ${cv.C}→${cv.O} ${cv.H}×${cv.W} pad 1`, kind: 'conv2d', group: 'conv2d',
    params: cv, flops: 2 * cv.N * cv.O * cv.H * cv.W * cv.C * cv.k * cv.k, outBytes: 4 * cv.N * cv.O * cv.H * cv.W, metric: 'GFLOP/s',
    inputs: (r) => ({ x: uniform(r, [cv.N, cv.C, cv.H, cv.W]), w: uniform(r, [cv.O, cv.C, cv.k, cv.k], -0.2, 0.2) }),
    reference(inp, r) {
      const { idx, values } = conv2dRef(inp.x.data, inp.w.data, cv, r, 256);
      return [{ idx, values, scale: Math.sqrt(cv.C * 9 / 3) * 0.2 / Math.sqrt(3) }];
    },
  });

  const [B, I, H, O] = s ? [8, 20, 16, 10] : [128, 784, 512, 10];
  const fwd = 2 * B * (I * H + H * H + H * O);
  list.push({
    id: 'mlp-train', label: `MLP ${I}-${H}-${H}-${O} train step, batch ${B}, Adam`, kind: 'mlp', group: 'training',
    params: { B, I, H, O, adam: ADAM },
    // forward + backward (weight and input gradients; the first layer's input gradient is not needed)
    flops: fwd + fwd + (fwd - 2 * B * I * H), outBytes: 4, metric: 'GFLOP/s',
    inputs(r) {
      const lin = (fi, fo) => {
        const bound = 1 / Math.sqrt(fi);
        return [uniform(r, [fi, fo], -bound, bound), uniform(r, [fo], -bound, bound)];
      };
      const [w1, b1] = lin(I, H), [w2, b2] = lin(H, H), [w3, b3] = lin(H, O);
      const x = uniform(r, [B, I], 0, 1);
      const labels = { shape: [B], data: Int32Array.from({ length: B }, () => Math.floor(r() * O)) };
      const onehot = { shape: [B, O], data: new Float32Array(B * O) };
      for (let i = 0; i < B; i++) onehot.data[i * O + labels.data[i]] = 1;
      return { x, labels, onehot, w1, b1, w2, b2, w3, b3 };
    },
    // The check runs two steps from the initial weights and reads [loss1, loss2] and the last bias.
    checkSteps: 2,
    reference: (inp) => mlpRef(inp, [I, H, O], 2),
  });

  {
    const [B, I, H, O] = s ? [16, 20, 8, 5] : [128, 20, 64, 5];
    const p = 0.2, eps = 1e-5;
    const fwd = 2 * B * (I * H + H * O);
    list.push({
      id: 'mlp-bn-train', label: `MLP ${I}-${H}-${O} + BatchNorm1d + Dropout train step, batch ${B}, Adam`, kind: 'mlp-bn', group: 'training',
      params: { B, I, H, O, p, eps, adam: ADAM },
      // forward + weight gradients + the hidden layer's input gradient
      flops: 2 * fwd + 2 * B * H * O, outBytes: 4, metric: 'GFLOP/s',
      inputs(r) {
        const lin = (fi, fo) => {
          const bound = 1 / Math.sqrt(fi);
          return [uniform(r, [fi, fo], -bound, bound), uniform(r, [fo], -bound, bound)];
        };
        const [w1, b1] = lin(I, H), [w2, b2] = lin(H, O);
        const gamma = uniform(r, [H], 0.5, 1.5), beta = uniform(r, [H], -0.1, 0.1);
        const x = uniform(r, [B, I], -1, 1);
        const labels = { shape: [B], data: Int32Array.from({ length: B }, () => Math.floor(r() * O)) };
        const onehot = { shape: [B, O], data: new Float32Array(B * O) };
        for (let i = 0; i < B; i++) onehot.data[i * O + labels.data[i]] = 1;
        // The dropout mask is an input (the same bytes for every engine, so the outputs can be checked);
        // each step still multiplies by it and divides by 1 - p.
        const mask = { shape: [B, H], data: Float32Array.from({ length: B * H }, () => (r() >= p ? 1 : 0)) };
        return { x, labels, onehot, mask, w1, b1, gamma, beta, w2, b2 };
      },
      checkSteps: 2,
      reference: (inp) => mlpBnRef(inp, { I, H, O, p, eps }, 2),
    });
  }
  list.push(lenet(s));

  const [D, L] = s ? [50, 1024] : [1000, 1024];
  list.push({
    id: 'dispatch', label: `${D} dependent adds on ${L} elements`, kind: 'dispatch', group: 'overhead',
    params: { count: D, n: L }, ops: D, outBytes: 4 * L, metric: 'µs/op',
    inputs: (r) => ({ a: uniform(r, [L]), b: uniform(r, [L]) }),
    reference(inp) {
      const out = new Float64Array(L);
      for (let i = 0; i < L; i++) {
        let v = inp.a.data[i];
        for (let k = 0; k < D; k++) v = Math.fround(v + inp.b.data[i]);
        out[i] = v;
      }
      return [{ values: out, scale: Math.sqrt(D) }];
    },
  });
  list.push(lstmTrain(s)); // the LSTM train step (its block is at the end of this file)
  for (const w of list) w.seed = hash(w.id);
  return list;
}

/**
 * Compares an engine's output parts with reference parts. Error = max |got - want| / scale, where scale is
 * the part's natural magnitude (its RMS unless the reference gives one). Returns { ok, err, detail }.
 */
export function compareParts(got, want, tol) {
  if (!Array.isArray(got) || got.length !== want.length) return { ok: false, err: Infinity, detail: `expected ${want.length} output part(s), got ${Array.isArray(got) ? got.length : typeof got}` };
  let worst = 0, detail = '';
  for (let p = 0; p < want.length; p++) {
    const w = want[p], g = got[p];
    const n = w.idx ? w.idx.length : w.values.length;
    const full = w.full ?? (w.idx ? null : w.values.length);
    if (!w.idx && g.length !== full) return { ok: false, err: Infinity, detail: `part ${p}: length ${g.length}, expected ${full}` };
    const scale = scaleOf(w);
    for (let i = 0; i < n; i++) {
      const j = w.idx ? w.idx[i] : i;
      const gv = g[j];
      const e = Number.isFinite(gv) ? Math.abs(gv - w.values[i]) / scale : Infinity;
      if (!(e <= worst)) {
        worst = e;
        detail = `${w.name ?? `part ${p}`}[${j}] = ${gv}, expected ${w.values[i].toPrecision(7)}`;
      }
    }
  }
  return { ok: worst <= tol, err: worst, detail };
}

/** Compares engine b's output with engine a's, element by element, on the reference parts' scales. */
export function compareEngines(a, b, ref, tol) {
  const want = a.map((v, p) => ({ values: v, scale: scaleOf(ref[p]), name: ref[p]?.name }));
  return compareParts(b, want, tol);
}

export function scaleOf(part) {
  if (!part) return 1;
  if (part.scale) return part.scale;
  let rms = 0;
  for (const v of part.values) rms += v * v;
  return Math.sqrt(rms / Math.max(part.values.length, 1)) || 1;
}

// ---- LSTM train step ------------------------------------------------------------------------------
// One LSTM layer (no bias; PyTorch's gate order i, f, g, o, weights [4H, in] and [4H, H]) over a
// batch-first sequence, the final hidden state through a Linear head [H, O] (x @ W + b), mean
// cross-entropy, Adam. Without LSTM biases the models agree exactly: TF.js's layer has one bias where
// PyTorch's has two. The check runs two steps and reads both losses and the head bias after them.

function lstmTrainRef(inp, { L, N, I, H, O }, steps) {
  const G = 4 * H;
  const x = inp.x.data, labels = inp.labels.data;
  const P = ['wih', 'whh', 'wo', 'bo'].map((k) => Float64Array.from(inp[k].data));
  const m = P.map((p) => new Float64Array(p.length)), v = P.map((p) => new Float64Array(p.length));
  const sig = (z) => 1 / (1 + Math.exp(-z));
  const losses = [];
  for (let step = 1; step <= steps; step++) {
    const [Wih, Whh, Wo, bo] = P;
    // Forward, keeping the gates (i, f, g, o after their nonlinearities), c and h of every step.
    const gates = [], cs = [new Float64Array(N * H)], hs = [new Float64Array(N * H)];
    for (let t = 0; t < L; t++) {
      const gt = new Float64Array(N * G), c = new Float64Array(N * H), h = new Float64Array(N * H);
      const hp = hs[t], cp = cs[t];
      for (let n = 0; n < N; n++) {
        const a = new Float64Array(G);
        const xo = (n * L + t) * I;
        for (let r = 0; r < G; r++) {
          let s = 0;
          for (let k = 0; k < I; k++) s += Wih[r * I + k] * x[xo + k];
          for (let k = 0; k < H; k++) s += Whh[r * H + k] * hp[n * H + k];
          a[r] = s;
        }
        for (let j = 0; j < H; j++) {
          const ig = sig(a[j]), fg = sig(a[H + j]), gg = Math.tanh(a[2 * H + j]), og = sig(a[3 * H + j]);
          const cv = fg * cp[n * H + j] + ig * gg;
          c[n * H + j] = cv;
          h[n * H + j] = og * Math.tanh(cv);
          gt[n * G + j] = ig, gt[n * G + H + j] = fg, gt[n * G + 2 * H + j] = gg, gt[n * G + 3 * H + j] = og;
        }
      }
      gates.push(gt), cs.push(c), hs.push(h);
    }
    const hN = hs[L];
    let loss = 0;
    const dlog = new Float64Array(N * O);
    for (let n = 0; n < N; n++) {
      const z = new Float64Array(O);
      for (let o = 0; o < O; o++) {
        let s = bo[o];
        for (let k = 0; k < H; k++) s += hN[n * H + k] * Wo[k * O + o];
        z[o] = s;
      }
      const mx = Math.max(...z);
      let se = 0;
      for (let o = 0; o < O; o++) se += Math.exp(z[o] - mx);
      const lse = mx + Math.log(se);
      loss += lse - z[labels[n]];
      for (let o = 0; o < O; o++) dlog[n * O + o] = (Math.exp(z[o] - lse) - (o === labels[n] ? 1 : 0)) / N;
    }
    losses.push(loss / N);
    const gWih = new Float64Array(Wih.length), gWhh = new Float64Array(Whh.length), gWo = new Float64Array(Wo.length), gbo = new Float64Array(O);
    let dh = new Float64Array(N * H);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++) {
        const d = dlog[n * O + o];
        gbo[o] += d;
        for (let k = 0; k < H; k++) (gWo[k * O + o] += hN[n * H + k] * d), (dh[n * H + k] += d * Wo[k * O + o]);
      }
    let dc = new Float64Array(N * H);
    for (let t = L - 1; t >= 0; t--) {
      const gt = gates[t], c = cs[t + 1], cp = cs[t], hp = hs[t];
      const dhp = new Float64Array(N * H), dcp = new Float64Array(N * H);
      for (let n = 0; n < N; n++) {
        const da = new Float64Array(G);
        for (let j = 0; j < H; j++) {
          const q = n * H + j;
          const ig = gt[n * G + j], fg = gt[n * G + H + j], gg = gt[n * G + 2 * H + j], og = gt[n * G + 3 * H + j];
          const tc = Math.tanh(c[q]);
          const dcv = dc[q] + dh[q] * og * (1 - tc * tc);
          da[j] = dcv * gg * ig * (1 - ig);
          da[H + j] = dcv * cp[q] * fg * (1 - fg);
          da[2 * H + j] = dcv * ig * (1 - gg * gg);
          da[3 * H + j] = dh[q] * tc * og * (1 - og);
          dcp[q] = dcv * fg;
        }
        const xo = (n * L + t) * I;
        for (let r = 0; r < G; r++) {
          const d = da[r];
          if (d === 0) continue;
          for (let k = 0; k < I; k++) gWih[r * I + k] += d * x[xo + k];
          for (let k = 0; k < H; k++) (gWhh[r * H + k] += d * hp[n * H + k]), (dhp[n * H + k] += d * Whh[r * H + k]);
        }
      }
      dh = dhp;
      dc = dcp;
    }
    const grads = [gWih, gWhh, gWo, gbo];
    const { lr, beta1, beta2, eps } = ADAM;
    for (let p = 0; p < 4; p++)
      for (let i = 0; i < P[p].length; i++) {
        const gi = grads[p][i];
        m[p][i] = beta1 * m[p][i] + (1 - beta1) * gi;
        v[p][i] = beta2 * v[p][i] + (1 - beta2) * gi * gi;
        const mh = m[p][i] / (1 - beta1 ** step), vh = v[p][i] / (1 - beta2 ** step);
        P[p][i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
  }
  return [{ values: Float64Array.from(losses), name: 'losses' }, { values: P[3], name: 'head bias after' }];
}

function lstmTrain(s) {
  const [L, N, I, H, O] = s ? [6, 4, 5, 8, 3] : [32, 32, 64, 128, 10];
  const fwd = 2 * L * N * 4 * H * (I + H) + 2 * N * H * O;
  return {
    id: 'lstm-train', label: `LSTM train step: seq ${L}, batch ${N}, input ${I}, hidden ${H}, Adam`, kind: 'lstm', group: 'training',
    params: { L, N, I, H, O, adam: ADAM },
    // forward + backward (weight gradients, and the recurrent but not the input gradient of x)
    flops: fwd + fwd + (fwd - 2 * L * N * 4 * H * I), outBytes: 4, metric: 'GFLOP/s',
    engines: ['webgrad', 'tfjs'], enginesWhy: 'jax-js has no recurrent layer or scan to express it with',
    inputs(r) {
      const b = 1 / Math.sqrt(H);
      return {
        x: uniform(r, [N, L, I], -1, 1),
        labels: { shape: [N], data: Int32Array.from({ length: N }, () => Math.floor(r() * O)) },
        wih: uniform(r, [4 * H, I], -b, b),
        whh: uniform(r, [4 * H, H], -b, b),
        wo: uniform(r, [H, O], -b, b),
        bo: uniform(r, [O], -b, b),
      };
    },
    checkSteps: 2,
    reference: (inp) => lstmTrainRef(inp, { L, N, I, H, O }, 2),
  };
}
