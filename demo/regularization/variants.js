// The four nets of the regularization page and how each is trained, free of the DOM (Node runs it
// too). Every variant is the same 784-H-10 ReLU net from the same initial weights of its linear
// layers; they differ in one thing each: nothing, an L2 penalty (the optimizer's weight decay), dropout
// on the hidden layer, or batch norm before the hidden ReLU.

export const VARIANTS = [
  { key: 'none', label: 'no regularization' },
  { key: 'l2', label: 'L2 (weight decay)' },
  { key: 'dropout', label: 'dropout' },
  { key: 'batchnorm', label: 'batch norm' },
];

export function makeNet(wg, key, { hidden, dropout }) {
  const { Sequential, Linear, ReLU, Dropout, BatchNorm1d } = wg.nn;
  if (key === 'dropout') return new Sequential(new Linear(784, hidden), new ReLU(), new Dropout(dropout), new Linear(hidden, 10));
  if (key === 'batchnorm') return new Sequential(new Linear(784, hidden), new BatchNorm1d(hidden), new ReLU(), new Linear(hidden, 10));
  return new Sequential(new Linear(784, hidden), new ReLU(), new Linear(hidden, 10));
}

/**
 * Watches the test loss with wg.train.EarlyStopping but lets training go on, so that the page can show
 * what happens after the epoch where it would have stopped: `stopEpoch` (-1 while it would not have)
 * and `bestEpoch` at that moment.
 */
export class StopMarker {
  constructor(wg, patience) {
    this.es = new wg.train.EarlyStopping({ monitor: 'test/loss', patience });
    this.stopEpoch = -1;
    this.bestEpoch = -1;
  }
  onTrainBegin(ctx) {
    this.es.onTrainBegin(ctx);
  }
  onEpochEnd(epoch, logs, ctx) {
    if (this.stopEpoch >= 0) return;
    const shadow = { ...ctx, stopTraining: false };
    this.es.onEpochEnd(epoch, logs, shadow);
    if (shadow.stopTraining) {
      this.stopEpoch = epoch;
      this.bestEpoch = this.es.bestEpoch;
    }
  }
}

/**
 * Trains one variant for `epochs` epochs on (x, y), evaluating on (xt, yt) after each. `paced` wraps
 * the training batches (the page yields to the browser there); `onEpoch(epoch, logs)` sees each
 * epoch's numbers. Returns the history and the early-stopping marker.
 */
export async function trainVariant(wg, key, { x, y, xt, yt, hidden, dropout, weightDecay, lr, batch, epochs, patience, seed, paced = (l) => l, onEpoch }) {
  wg.manualSeed(seed);
  const model = makeNet(wg, key, { hidden, dropout });
  const optimizer = new wg.optim.Adam(model.parameters(), { lr, weightDecay: key === 'l2' ? weightDecay : 0 });
  const loader = new wg.data.DataLoader(new wg.data.TensorDataset(x, y), { batchSize: batch, shuffle: true, seed });
  const testLoader = new wg.data.DataLoader(new wg.data.TensorDataset(xt, yt), { batchSize: 1000 });
  const marker = new StopMarker(wg, patience);
  try {
    const h = await wg.train.fit(model, {
      train: paced(loader),
      test: testLoader,
      optimizer,
      loss: (o, t) => wg.nn.F.crossEntropy(o, t),
      epochs,
      logEvery: 1000,
      confusion: false,
      callbacks: [marker, { onEpochEnd: (e, logs) => onEpoch?.(e, logs) }],
    });
    return { history: h.history, stopEpoch: marker.stopEpoch, bestEpoch: marker.bestEpoch };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
