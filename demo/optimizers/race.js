// The optimizer race without the DOM: the four surfaces (each one function of webgrad tensors, used both
// for the heat-map grid and for the racers' loss), the six racers (a 2-element parameter each, with its
// own wg.optim optimizer) and a Race that steps all of them at once. Runs in the browser page and under
// Node (Dawn), which is how the defaults below were tuned.

// Each surface: f(x, y) with wg ops (x and y broadcast, so the same code evaluates a [rows, cols] grid
// and the racers' [6] coordinates), its minimum value fStar (the chart plots f − f*), where it sits,
// the view, a start, the number of steps and a learning rate per racer that suits the surface. `log`: the
// heat map shows log(f − f* + log) instead of f, for surfaces whose walls are orders of magnitude higher
// than their valleys.
export const SURFACES = {
  rosenbrock: {
    label: 'Rosenbrock',
    formula: 'f = (1 − x)² + 100 (y − x²)²',
    f: (wg, x, y) => wg.sub(1, x).square().add(y.sub(x.square()).square().mul(100)),
    fStar: 0,
    min: [1, 1],
    start: [-1.5, 2],
    x: [-2.8, 2.8],
    y: [-1, 3.7],
    log: 0.05,
    steps: 600,
    lr: { sgd: 1.5e-3, momentum: 3e-4, nesterov: 4e-4, adagrad: 1.5, rmsprop: 1e-2, adam: 0.15 },
    note: 'a curved, flat-bottomed valley: easy to fall into, slow to follow to (1, 1)',
  },
  beale: {
    label: 'Beale',
    formula: 'f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
    f: (wg, x, y) => {
      const xy = x.mul(y);
      const xy2 = xy.mul(y);
      const xy3 = xy2.mul(y);
      return xy.sub(x).add(1.5).square().add(xy2.sub(x).add(2.25).square()).add(xy3.sub(x).add(2.625).square());
    },
    fStar: 0,
    min: [3, 0.5],
    start: [0.7, 1.4],
    x: [-0.5, 4.5],
    y: [-1.6, 2.6],
    log: 0.01,
    steps: 500,
    lr: { sgd: 5e-3, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.5, rmsprop: 1e-2, adam: 0.05 },
    note: 'steep walls (terms in y³) and a long flat arm towards the minimum at (3, 0.5)',
  },
  saddle: {
    label: 'Saddle',
    formula: 'f = x² − y² + y⁴/4',
    f: (wg, x, y) => x.square().sub(y.square()).add(y.square().square().mul(0.25)),
    fStar: -1,
    min: [0, Math.SQRT2],
    saddle: [0, 0],
    start: [-1, 0],
    x: [-2.4, 2.4],
    y: [-2, 2],
    log: false,
    steps: 200,
    lr: { sgd: 0.05, momentum: 0.01, nesterov: 0.01, adagrad: 0.3, rmsprop: 0.01, adam: 0.05 },
    note: 'a saddle at (0, 0) between two minima at (0, ±√2); the start (−1, 0) lies on its stable line y = 0',
  },
  valley: {
    label: 'Ill-conditioned valley',
    formula: 'f = x²/20 + 5y²',
    f: (wg, x, y) => x.square().mul(0.05).add(y.square().mul(5)),
    fStar: 0,
    min: [0, 0],
    start: [-5.5, 1.5],
    x: [-6, 6],
    y: [-5, 5],
    log: 0.01,
    steps: 200,
    lr: { sgd: 0.18, momentum: 0.02, nesterov: 0.02, adagrad: 1, rmsprop: 0.05, adam: 0.2 },
    note: 'curvature 100× larger across the valley than along it (condition number 100)',
  },
};

// Okabe–Ito colors: distinguishable for color-blind readers and against viridis.
export const RACERS = [
  { key: 'sgd', label: 'SGD', color: '#ffffff', make: (wg, p, lr) => new wg.optim.SGD([p], { lr }) },
  { key: 'momentum', label: 'Momentum', color: '#e69f00', make: (wg, p, lr, h) => new wg.optim.SGD([p], { lr, momentum: h.momentum }) },
  { key: 'nesterov', label: 'Nesterov', color: '#56b4e9', make: (wg, p, lr, h) => new wg.optim.SGD([p], { lr, momentum: h.momentum, nesterov: h.momentum > 0 }) },
  { key: 'adagrad', label: 'AdaGrad', color: '#f0e442', make: (wg, p, lr) => new wg.optim.AdaGrad([p], { lr }) },
  { key: 'rmsprop', label: 'RMSProp', color: '#cc79a7', make: (wg, p, lr) => new wg.optim.RMSProp([p], { lr }) },
  { key: 'adam', label: 'Adam', color: '#ff4040', make: (wg, p, lr, h) => new wg.optim.Adam([p], { lr, betas: [h.beta1, h.beta2] }) },
];

/** f (or its log) on a cols×rows grid over the surface's view, first row at the top (largest y); one readback. */
export async function surfaceGrid(wg, s, cols, rows) {
  const t = wg.tidy(() =>
    wg.noGrad(() => {
      const xs = wg.linspace(s.x[0], s.x[1], cols).reshape([1, cols]);
      const ys = wg.linspace(s.y[1], s.y[0], rows).reshape([rows, 1]);
      const f = s.f(wg, xs, ys).add(wg.zeros([rows, cols]));
      return s.log ? f.sub(s.fStar).add(s.log).log() : f;
    }),
  );
  const v = await t.data();
  t.dispose();
  return v;
}

/**
 * All six racers on one surface. step() queues one optimizer step for every racer on the GPU: the six
 * parameters are stacked into a [6, 2] tensor, f is evaluated on it, the sum of the six losses is
 * differentiated (each parameter only reaches its own term) and each optimizer steps. With `noise` σ,
 * a term ε·p with ε ~ N(0, σ²) joins each loss, so every gradient gets Gaussian noise of std σ.
 * Each step keeps a [6, 3] record (x, y, f before the step) on the GPU; flush() reads all records
 * queued since the last flush back in one readback.
 */
export class Race {
  constructor(wg, surface, { lrScale = 1, momentum = 0.9, beta1 = 0.9, beta2 = 0.999, noise = 0, start = surface.start, seed = 1 } = {}) {
    this.wg = wg;
    this.surface = surface;
    this.noise = noise;
    this.steps = 0;
    this.pending = [];
    wg.manualSeed(seed);
    const h = { momentum, beta1, beta2 };
    this.lrs = RACERS.map((r) => surface.lr[r.key] * lrScale);
    this.params = RACERS.map(() => wg.nn.parameter(wg.tensor(start)));
    this.opts = RACERS.map((r, i) => r.make(wg, this.params[i], this.lrs[i], h));
  }

  record(P) {
    const { wg } = this;
    return wg.cat([P, this.surface.f(wg, P.select(1, 0), P.select(1, 1)).unsqueeze(1)], 1);
  }

  step() {
    const { wg, surface } = this;
    const rec = wg.tidy(() => {
      for (const o of this.opts) o.zeroGrad();
      const P = wg.stack(this.params);
      const f = surface.f(wg, P.select(1, 0), P.select(1, 1));
      let total = f.sum();
      if (this.noise > 0) total = total.add(wg.randn([RACERS.length, 2]).mul(this.noise).mul(P).sum());
      total.backward();
      for (const o of this.opts) o.step();
      return wg.cat([P, f.unsqueeze(1)], 1).detach();
    });
    this.pending.push(rec);
    this.steps++;
  }

  /**
   * Reads back the queued records: an array of steps, each an array of six [x, y, f]. With `final`,
   * the racers' current positions (after the last step) come last.
   */
  async flush({ final = false } = {}) {
    const { wg } = this;
    if (final) this.pending.push(wg.tidy(() => wg.noGrad(() => this.record(wg.stack(this.params)))));
    if (!this.pending.length) return [];
    const all = wg.stack(this.pending);
    const k = this.pending.length;
    for (const t of this.pending) t.dispose();
    this.pending = [];
    const v = await all.data();
    all.dispose();
    const n = RACERS.length;
    return Array.from({ length: k }, (_, s) => Array.from({ length: n }, (_, r) => [v[(s * n + r) * 3], v[(s * n + r) * 3 + 1], v[(s * n + r) * 3 + 2]]));
  }

  dispose() {
    for (const t of this.pending) t.dispose();
    this.pending = [];
    for (const o of this.opts) o.dispose();
    for (const p of this.params) p.dispose();
  }
}
