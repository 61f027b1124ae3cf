// One training run through wg.train.fit: the model, Adam, a DataLoader over the resident MNIST split,
// and a ScalarLogger writing to a memorySink that the charts read. fit() reads the loss back every
// `logEvery` steps only. The page stays responsive because fit() takes any async iterable of batches:
// lib/paced.js hands over the DataLoader's batches and yields to the browser whenever ~30 ms of
// main-thread work have passed. Between epochs fit() evaluates on the whole test split;
// inside an epoch a callback does the same every `evalEvery` steps (and once at step 0), writing
// test/loss and test/accuracy records in the logger's format, so the eval curve is more than a point
// per epoch.
import * as wg from 'webgrad';
import { paced } from '../lib/paced.js';

export const MODELS = {
  mlp: { label: 'MLP 784-128-10', build: () => new wg.nn.Sequential(new wg.nn.Flatten(), new wg.nn.Linear(784, 128), new wg.nn.ReLU(), new wg.nn.Linear(128, 10)) },
  cnn: {
    label: 'CNN (2 conv + pool, linear)',
    build: () =>
      new wg.nn.Sequential(
        new wg.nn.Conv2d(1, 8, 3, { padding: 1 }),
        new wg.nn.ReLU(),
        new wg.nn.MaxPool2d(2),
        new wg.nn.Conv2d(8, 16, 3, { padding: 1 }),
        new wg.nn.ReLU(),
        new wg.nn.MaxPool2d(2),
        new wg.nn.Flatten(),
        new wg.nn.Dropout(0.25),
        new wg.nn.Linear(16 * 7 * 7, 10),
      ),
  },
};

/**
 * Trains `cfg.model` ('mlp' | 'cnn') on the first `cfg.samples` of `data.train`, writing scalar records
 * to `sink` (a wg.train.memorySink: its records are the run's, read live by the charts). `onUpdate()` runs after every log point; `stop()` ends the run early
 * (after the current batch; fit still evaluates). Returns {model, fit result}.
 */
export async function trainRun(data, cfg, { sink, onUpdate, stop }) {
  const { train: T } = wg;
  wg.manualSeed(cfg.seed);
  const n = Math.min(cfg.samples, data.train.length);
  const subset = n < data.train.length ? new wg.data.TensorDataset(wg.slice(data.train.images, 0, 0, n), wg.slice(data.train.labels, 0, 0, n)) : data.train;
  const model = MODELS[cfg.model].build();
  const optimizer = new wg.optim.Adam(model.parameters(), { lr: cfg.lr });
  const loader = new wg.data.DataLoader(subset, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed });
  const testLoader = new wg.data.DataLoader(data.test, { batchSize: 500 });
  const stepsPerEpoch = loader.length;
  const logEvery = cfg.logEvery;
  const evalEvery = Math.max(1, Math.round(stepsPerEpoch / cfg.evalsPerEpoch / logEvery)) * logEvery;
  const loss = (out, y) => wg.nn.F.crossEntropy(out, y);
  const evalAt = async (step) => {
    const m = await T.evaluate(model, testLoader, { loss, numClasses: 10, confusion: false });
    const wallTime = Date.now() / 1000;
    sink.write({ tag: 'test/loss', step, wallTime, value: m.loss });
    sink.write({ tag: 'test/accuracy', step, wallTime, value: m.accuracy });
  };
  // Compile the step's and the evaluation's pipelines ahead, asynchronously: compiled on first use,
  // they would block the page for a moment at the start of the run.
  const [x0, y0] = [wg.slice(subset.tensors[0], 0, 0, 2), wg.slice(subset.tensors[1], 0, 0, 2)];
  await wg.precompile(() => {
    loss(model(x0), y0).backward();
    wg.noGrad(() => wg.softmax(model(x0), 1));
  });
  x0.dispose();
  y0.dispose();
  optimizer.zeroGrad();
  const live = {
    async onTrainBegin() {
      await evalAt(0);
      onUpdate?.({ step: 0, epoch: 0 });
    },
    async onLog(step, _logs, ctx) {
      if (stop()) ctx.stopTraining = true;
      // Epoch ends get fit()'s own evaluation.
      else if (step % evalEvery === 0 && step % stepsPerEpoch !== 0) await evalAt(step);
      onUpdate?.({ step, epoch: ctx.epoch });
    },
    onEpochEnd(epoch, _logs, ctx) {
      if (stop()) ctx.stopTraining = true;
      onUpdate?.({ step: ctx.step, epoch: epoch + 1 });
    },
  };
  try {
    const result = await T.fit(model, {
      train: paced(loader, { shouldStop: stop }),
      test: testLoader,
      optimizer,
      loss,
      epochs: cfg.epochs,
      logEvery,
      numClasses: 10,
      confusion: false,
      callbacks: [live, new T.ScalarLogger({ sink })],
    });
    return { model, result, stepsPerEpoch, evalEvery, samples: n };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    optimizer.dispose();
    if (subset !== data.train) subset.dispose();
  }
}

/** Class probabilities of one 28×28 image (standardized [784] Float32Array) under `model`. */
export async function classify(model, input) {
  const wasTraining = model.training;
  model.eval();
  const p = wg.noGrad(() => wg.tidy(() => wg.softmax(model(wg.tensor(input, { shape: [1, 1, 28, 28] })), 1)));
  model.train(wasTraining);
  try {
    return Array.from(await p.data());
  } finally {
    p.dispose();
  }
}

/** The model's predicted classes for test samples `indices` (one gather, one readback). */
export async function predictTest(model, test, indices) {
  const wasTraining = model.training;
  model.eval();
  const idx = wg.tensor(Int32Array.from(indices), { dtype: 'int32' });
  const pred = wg.noGrad(() => wg.tidy(() => wg.argmax(model(wg.indexSelect(test.images, 0, idx)), 1)));
  model.train(wasTraining);
  try {
    return Array.from(await pred.data());
  } finally {
    idx.dispose();
    pred.dispose();
  }
}
