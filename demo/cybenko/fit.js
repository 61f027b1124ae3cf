// A one-hidden-layer sigmoid net fitted to N samples of a curve on [0, 1], without the DOM (so it also
// runs under Node, where the defaults were tuned). One flush() reads back, in one readback, the losses
// of the steps since the last flush, the final MSE, the net's output on a dense grid and each unit's
// scaled contribution vⱼ σ(wⱼx + bⱼ) there.
export const N = 100;
export const G = 200;
export const XS = Array.from({ length: N }, (_, i) => i / (N - 1));

// Unit-amplitude targets on [0, 1].
export const PRESETS = {
  sine: { label: 'sine', f: (x) => Math.sin(4 * Math.PI * x) },
  step: { label: 'step', f: (x) => (x < 0.5 ? -0.8 : 0.8) },
  abs: { label: '|x|', f: (x) => 2 * Math.abs(2 * x - 1) - 1 },
  bump: { label: 'bump', f: (x) => 1.8 * Math.exp(-(((x - 0.5) / 0.12) ** 2)) - 0.9 },
};

export class Fit {
  constructor(wg, width, { lr = 0.03, seed = width } = {}) {
    const { nn } = wg;
    this.wg = wg;
    this.width = width;
    this.steps = 0;
    this.pending = [];
    wg.manualSeed(seed);
    this.hidden = new nn.Linear(1, width);
    this.out = new nn.Linear(width, 1);
    this.model = new nn.Sequential(this.hidden, new nn.Sigmoid(), this.out);
    // Cybenko's picture as the start: unit j a step of steepness |wⱼ| ∈ [5, 20], either way up, at a
    // random place cⱼ ∈ [0, 1] (bⱼ = −wⱼcⱼ). torch's default U(−1, 1) gives near-linear units on [0, 1]
    // that take hundreds of steps to sharpen.
    wg.noGrad(() =>
      wg.tidy(() => {
        const w = wg.uniform([width, 1], 5, 20).mul(wg.bernoulli(0.5, [width, 1]).mul(2).sub(1));
        this.hidden.weight.copy_(w);
        this.hidden.bias.copy_(w.reshape([width]).mul(wg.uniform([width], 0, 1)).neg());
      }),
    );
    this.opt = new wg.optim.Adam(this.model.parameters(), { lr });
    this.X = wg.tensor(XS.map((x) => [x]));
    this.grid = wg.tidy(() => wg.linspace(0, 1, G).reshape([G, 1]).contiguous());
    this.Y = null;
  }

  /** The N target values (at XS). */
  setTarget(ys) {
    this.Y?.dispose();
    this.Y = this.wg.tensor(Array.from(ys, (y) => [y]));
  }

  step() {
    const { wg } = this;
    this.pending.push(
      wg.tidy(() => {
        this.opt.zeroGrad();
        const loss = wg.nn.F.mseLoss(this.model(this.X), this.Y);
        loss.backward();
        this.opt.step();
        return loss.detach().reshape([1]);
      }),
    );
    this.steps++;
  }

  /** {losses (one per step since the last flush), mse (now), fit [G], units [G × width] row-major}. */
  async flush() {
    const { wg, width } = this;
    const k = this.pending.length;
    const all = wg.tidy(() =>
      wg.noGrad(() => {
        const mse = wg.nn.F.mseLoss(this.model(this.X), this.Y).reshape([1]);
        const fit = this.model(this.grid).reshape([G]);
        const units = this.hidden(this.grid).sigmoid().mul(this.out.weight).reshape([G * width]);
        return wg.cat([...this.pending, mse, fit, units]);
      }),
    );
    for (const t of this.pending) t.dispose();
    this.pending = [];
    const v = await all.data();
    all.dispose();
    return { losses: v.subarray(0, k), mse: v[k], fit: v.subarray(k + 1, k + 1 + G), units: v.subarray(k + 1 + G) };
  }

  dispose() {
    for (const t of [...this.pending, this.X, this.grid, this.Y]) t?.dispose();
    this.pending = [];
    this.model.dispose();
    this.opt.dispose();
  }
}
