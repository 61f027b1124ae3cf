// The computations of the loss-landscape page (Li et al. 2018), free of the DOM: directions in weight
// space, the loss on a grid of the plane they span around the trained weights, and the training path
// projected onto that plane. Weights are lists [W1, b1, W2, b2] of a 784-H-10 ReLU net (nn.Linear's
// layout, W is [out, in]).
//
// The grid is cheap because the first layer is linear in the weights: at θ* + a·d + b·e its
// pre-activations are x·W1*ᵀ + a·(x·D1ᵀ) + b·(x·E1ᵀ) (biases alike), so the three big products are made
// once and every grid point costs only an elementwise combination and the small second layer, run
// for many points at once as one batched matmul.

/** Detached copies of the model's parameters. */
export const weightsOf = (wg, model) => model.parameters().map((p) => wg.keep(p.detach().clone()));

/** All parameters as one flat vector (GPU). */
export const flat = (wg, params) => wg.tidy(() => wg.concat(params.map((p) => p.detach().reshape([p.numel()])), 0));

/** A flat vector cut back into tensors of the given shapes. */
export function unflat(wg, v, shapes) {
  let at = 0;
  return shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const part = wg.tidy(() => wg.slice(v, 0, at, at + n).reshape(s).contiguous());
    at += n;
    return part;
  });
}

/**
 * A random direction filter-normalized to `params` (Li et al. 2018): each row of a weight matrix (the
 * incoming weights of one output neuron) is scaled to the norm of that row of the weights; biases are
 * zero (their perturbation would add a constant per neuron).
 */
export function filterNormalizedDirection(wg, params) {
  return wg.tidy(() =>
    params.map((p) => {
      if (p.ndim < 2) return wg.zerosLike(p);
      const d = wg.randn(p.shape);
      return d.mul(p.norm(2, 1, true).div(d.norm(2, 1, true).add(1e-10)));
    }),
  );
}

/**
 * The precomputed first-layer products for the plane θ* + a·d + b·e on the inputs x. Dispose with
 * `.dispose()`.
 */
export function plane(wg, theta, d, e, x) {
  const p = wg.tidy(() => [theta, d, e].map(([w1, b1]) => wg.linear(x, w1, b1)));
  const second = [theta, d, e].map(([, , w2, b2]) => [w2, b2]);
  return { pre: p, second, dispose: () => p.forEach((t) => t.dispose()) };
}

/**
 * Mean cross-entropy on (x, y) at the points θ* + a_k·d + b_k·e (arrays `as`, `bs` of one length), in
 * one batched pass. Returns a GPU vector of the losses.
 */
export function planeLosses(wg, pl, as, bs, y) {
  return wg.tidy(() => {
    const K = as.length;
    const a = wg.tensor(as).reshape([K, 1, 1]);
    const b = wg.tensor(bs).reshape([K, 1, 1]);
    const [p0, pd, pe] = pl.pre;
    const [[w2, b2], [dw2, db2], [ew2, eb2]] = pl.second;
    const h = wg.relu(p0.unsqueeze(0).add(a.mul(pd.unsqueeze(0))).add(b.mul(pe.unsqueeze(0))));
    const W = w2.unsqueeze(0).add(a.mul(dw2.unsqueeze(0))).add(b.mul(ew2.unsqueeze(0)));
    const B = b2.unsqueeze(0).add(a.reshape([K, 1]).mul(db2.unsqueeze(0))).add(b.reshape([K, 1]).mul(eb2.unsqueeze(0)));
    const out = h.matmul(W.transpose(1, 2)).add(B.unsqueeze(1));
    const n = y.shape[0];
    const targets = y.unsqueeze(0).expand([K, n]).reshape([K * n]);
    return wg.nn.F.crossEntropy(out.reshape([K * n, 10]), targets, { reduction: 'none' }).reshape([K, n]).mean(1);
  });
}

/**
 * The least-squares coordinates of the rows of `S` − θ* (snapshots, [T, P]) in the plane of the flat
 * directions d, e: c = (S′·[d e]) (DᵀD)⁻¹, one readback. Returns [[a, b], …].
 */
export async function project(wg, S, thetaFlat, dFlat, eFlat) {
  const packed = wg.tidy(() => {
    const D = wg.stack([dFlat, eFlat], 0);
    const A = S.sub(thetaFlat.unsqueeze(0)).matmul(D.transpose(0, 1));
    const G = D.matmul(D.transpose(0, 1));
    return wg.concat([A.reshape([-1]), G.reshape([4])], 0);
  });
  const v = await packed.data();
  packed.dispose();
  const T = (v.length - 4) / 2;
  const [g11, g12, , g22] = v.subarray(2 * T);
  const det = g11 * g22 - g12 * g12;
  return Array.from({ length: T }, (_, t) => {
    const [r1, r2] = [v[2 * t], v[2 * t + 1]];
    return [(g22 * r1 - g12 * r2) / det, (g11 * r2 - g12 * r1) / det];
  });
}

/** Eigenvectors of a small symmetric matrix (cyclic Jacobi), largest eigenvalue first. */
export function symmetricEigen(m, n) {
  const a = Float64Array.from(m);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  return order.map((i) => ({ value: a[i * n + i], vector: Array.from({ length: n }, (_, k) => v[k * n + i]) }));
}

/**
 * The two principal directions of the path (Li et al. 2018, §7): PCA of the snapshots' offsets from θ*
 * through their T×T Gram matrix (one readback). Returns unit flat directions [d, e] (GPU), the
 * explained variance ratios and the path's coordinates along them.
 */
export async function pathPCA(wg, S, thetaFlat) {
  const M = wg.keep(wg.tidy(() => S.sub(thetaFlat.unsqueeze(0))));
  try {
    const gram = wg.tidy(() => M.matmul(M.transpose(0, 1)));
    const T = S.shape[0];
    const g = await gram.data();
    gram.dispose();
    const eig = symmetricEigen(g, T);
    const total = eig.reduce((s, e) => s + Math.max(0, e.value), 0) || 1;
    const [e1, e2] = eig;
    const scaled = [e1, e2].flatMap((e) => e.vector.map((u) => u / Math.sqrt(Math.max(e.value, 1e-30))));
    const dirs = wg.tidy(() => wg.tensor(scaled).reshape([2, T]).matmul(M));
    const [d, e] = [0, 1].map((k) => wg.keep(wg.tidy(() => wg.select(dirs, 0, k).contiguous())));
    dirs.dispose();
    const coords = Array.from({ length: T }, (_, t) => [Math.sqrt(Math.max(e1.value, 0)) * e1.vector[t], Math.sqrt(Math.max(e2.value, 0)) * e2.vector[t]]);
    return { d, e, explained: [e1.value / total, e2.value / total], coords };
  } finally {
    M.dispose();
  }
}
