// Two interleaved spirals, and a 2-64-2 tanh MLP trained on them with Adam. No DOM here, so the same
// module runs in the browser demo (index.html) and under Node or Deno when tuning it.

/** A seeded PRNG (mulberry32), so every run of the demo sees the same points. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `perClass` points on each of two spirals, half a turn apart, inside [-1, 1]². */
export function spirals(perClass = 100, { turns = 1.5, noise = 0.04, seed = 1 } = {}) {
  const rand = rng(seed);
  const points = [];
  const labels = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = 0.05 + 0.95 * (i / perClass);
      const angle = turns * 2 * Math.PI * (i / perClass) + c * Math.PI;
      points.push([r * Math.cos(angle) + noise * (rand() * 2 - 1), r * Math.sin(angle) + noise * (rand() * 2 - 1)]);
      labels.push(c);
    }
  }
  return { points, labels };
}

/** Row-major grid of `size`×`size` points covering [-lim, lim]², top row first (as a canvas draws). */
export function grid(size, lim = 1.2) {
  const out = [];
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) out.push([-lim + (2 * lim * (i + 0.5)) / size, lim - (2 * lim * (j + 0.5)) / size]);
  }
  return out;
}

/**
 * Trains on the spirals. Every `every` steps it reads the loss back (the only readback inside the loop,
 * since each one waits for the GPU) and calls onProgress({step, loss, probs?}); `probs` (class-1
 * probability on the grid) comes with every `regionsEvery`-th report. Returns {loss, accuracy, history}.
 */
export async function train(wg, { steps = 300, every = 10, regionsEvery = 50, lr = 0.02, gridSize = 48, data = spirals(), onProgress = () => {} } = {}) {
  const { nn, optim } = wg;
  wg.manualSeed(0);
  const x = wg.tensor(data.points);
  const y = wg.tensor(data.labels, { dtype: 'int32' });
  const g = wg.tensor(grid(gridSize));
  const model = new nn.Sequential(new nn.Linear(2, 64), new nn.Tanh(), new nn.Linear(64, 2));
  const opt = new optim.Adam(model.parameters(), { lr });
  const history = [];
  const regions = () => wg.tidy(() => wg.noGrad(() => nn.F.softmax(model(g), -1).narrow(1, 1, 1)));
  let last = NaN;
  for (let step = 1; step <= steps; step++) {
    const loss = wg.tidy(() => {
      opt.zeroGrad();
      const l = nn.F.crossEntropy(model(x), y);
      l.backward();
      opt.step();
      return l.detach();
    });
    if (step % every === 0 || step === steps) {
      last = await loss.item();
      history.push({ step, loss: last });
      let probs;
      if (step % regionsEvery === 0 || step === steps) {
        const p = regions();
        probs = await p.data();
        p.dispose();
      }
      await onProgress({ step, loss: last, probs });
    }
    loss.dispose();
  }
  const pred = wg.tidy(() => wg.noGrad(() => model(x).argmax(1)));
  const predicted = await pred.data();
  const accuracy = data.labels.reduce((n, c, i) => n + (predicted[i] === c ? 1 : 0), 0) / data.labels.length;
  for (const t of [x, y, g, pred]) t.dispose();
  model.dispose();
  opt.dispose();
  return { loss: last, accuracy, history };
}
