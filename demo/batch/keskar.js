// The computations of the small-vs-large-batch page, free of the DOM so that Node can run them too:
// a one-hidden-layer net trained by wg.train.fit until it fits the training set, the sharpness of the
// minimum it reached (the largest Hessian eigenvalue of the training loss, by power iteration on
// Hessian-vector products from second-order autograd), and the loss along lines through weight space,
// evaluated for all points of a line in one batched forward pass and read back once.

/** A 784-H-10 ReLU net (the page's analog of Keskar et al.'s F1, which is 784-512×5-10). */
export function makeNet(wg, hidden) {
  return new wg.nn.Sequential(new wg.nn.Linear(784, hidden), new wg.nn.ReLU(), new wg.nn.Linear(hidden, 10));
}

const sumAll = (ts) => ts.reduce((a, b) => a.add(b));
const dot = (a, b) => sumAll(a.map((ai, i) => ai.mul(b[i]).sum()));

/** The net as a function of its parameters [W1, b1, W2, b2] (nn.Linear's layout: W is [out, in]). */
export function forward(wg, [w1, b1, w2, b2], x) {
  return wg.linear(wg.relu(wg.linear(x, w1, b1)), w2, b2);
}

/**
 * Trains `model` with Adam on mini-batches of `batchSize` until the training accuracy of an epoch
 * reaches `target` or `maxEpochs` have run. Returns fit()'s history.
 */
export async function trainNet(wg, model, { x, y, batchSize, lr, target, maxEpochs, seed, paced = (l) => l, onEpoch }) {
  const loader = new wg.data.DataLoader(new wg.data.TensorDataset(x, y), { batchSize, shuffle: true, seed });
  const optimizer = new wg.optim.Adam(model.parameters(), { lr });
  const untilFit = {
    onEpochEnd(epoch, logs, ctx) {
      onEpoch?.(epoch, logs, ctx);
      if (logs['train/accuracy'] >= target) ctx.stopTraining = true;
    },
  };
  try {
    return await wg.train.fit(model, {
      train: paced(loader),
      optimizer,
      loss: (out, t) => wg.nn.F.crossEntropy(out, t),
      epochs: maxEpochs,
      logEvery: 1000,
      callbacks: [untilFit],
    });
  } finally {
    optimizer.dispose();
  }
}

/** Accuracy and mean loss of `model` on (x, y), in batches, read back once. */
export async function score(wg, model, x, y) {
  const r = await wg.train.evaluate(model, new wg.data.DataLoader(new wg.data.TensorDataset(x, y), { batchSize: 1000 }), { loss: (o, t) => wg.nn.F.crossEntropy(o, t), confusion: false });
  return { accuracy: r.accuracy, loss: r.loss };
}

/**
 * The largest eigenvalue of the Hessian of the mean cross-entropy on (x, y) at the model's weights,
 * by `iters` steps of power iteration: v ← Hv / |Hv|, with Hv = ∇(∇L · v) from second-order autograd.
 * The Rayleigh quotients v·Hv of every step stay on the GPU and are read back once at the end.
 * Returns {lambda, trace, vector}: `vector` is the last v (unit norm, shaped like the parameters;
 * the caller disposes it).
 */
export async function sharpness(wg, model, x, y, { iters = 20, pause } = {}) {
  const params = model.parameters().map((p) => wg.keep(p.detach()));
  const loss = (ps) => wg.nn.F.crossEntropy(forward(wg, ps, x), y);
  let v = wg.tidy(() => {
    const r = params.map((p) => wg.randn(p.shape));
    const n = dot(r, r).sqrt();
    return r.map((t) => t.div(n));
  });
  v.forEach((t) => wg.keep(t));
  const quotients = [];
  try {
    for (let k = 0; k < iters; k++) {
      const [q, ...next] = wg.tidy(() => {
        const hv = wg.grad((ps) => dot(wg.grad(loss)(ps), v))(params);
        const n = dot(hv, hv).sqrt();
        return [dot(v, hv), ...hv.map((t) => t.div(n))];
      });
      v.forEach((t) => t.dispose());
      v = next.map((t) => wg.keep(t));
      quotients.push(wg.keep(q));
      if (pause) {
        await wg.sync();
        await pause();
      }
    }
    const all = wg.stack(quotients);
    const values = Array.from(await all.data());
    all.dispose();
    const vector = v;
    v = [];
    return { lambda: values[values.length - 1], trace: values, vector };
  } finally {
    [...params, ...v, ...quotients].forEach((t) => t.dispose());
  }
}

/**
 * Loss and accuracy on (x, y) at the points θ(t) = a + t·b for each t in `ts` ([W1, b1, W2, b2]
 * lists a and b). All points go through one batched forward pass: the weights of every point are
 * stacked along a leading axis. Returns GPU tensors [loss per point, accuracy per point].
 */
export function lineLosses(wg, a, b, ts, x, y) {
  return wg.tidy(() => {
    const T = ts.length;
    const t = wg.tensor(ts);
    const at = (i) => {
      const shape = [T, ...a[i].shape];
      const tb = t.reshape([T, ...a[i].shape.map(() => 1)]);
      return a[i].unsqueeze(0).add(tb.mul(b[i].unsqueeze(0))).reshape(shape);
    };
    const [w1, b1, w2, b2] = [0, 1, 2, 3].map(at);
    const h = wg.relu(x.matmul(w1.transpose(1, 2)).add(b1.unsqueeze(1)));
    const out = h.matmul(w2.transpose(1, 2)).add(b2.unsqueeze(1));
    const n = x.shape[0];
    const flat = out.reshape([T * n, 10]);
    const targets = y.unsqueeze(0).expand([T, n]).reshape([T * n]);
    const losses = wg.nn.F.crossEntropy(flat, targets, { reduction: 'none' }).reshape([T, n]).mean(1);
    const acc = wg.argmax(out, 2).eq(y.unsqueeze(0)).cast('float32').mean(1);
    return [losses, acc];
  });
}

/** Detached copies of the model's parameters. */
export const weightsOf = (wg, model) => model.parameters().map((p) => wg.keep(p.detach().clone()));
