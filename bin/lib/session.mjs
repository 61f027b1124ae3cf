// One training run, independent of the JavaScript runtime: Node runs it directly, the Chromium page
// and the Deno script run the same function and relay its events. It reads the GPU only where fit()
// does, plus once for the final predictions, once for the misclassified images' pixels and once to
// serialize the weights.
import { batches, loadDataset, pixelsOf } from './data.mjs';
import { buildModel, buildOptimizer } from './models.mjs';
import { serializeModel } from './io.mjs';

const MISCLASSIFIED = 32;

/** Calls `onBatch` after each batch of `inner` is taken, for the progress bar (no GPU access). */
function counted(inner, onBatch) {
  return {
    async *[Symbol.asyncIterator]() {
      let i = 0;
      for await (const b of inner) {
        yield b;
        onBatch(++i, b[0].shape[0]);
      }
    },
  };
}

/** Argmax predictions and labels of a whole split, accumulated on the GPU and read back once. */
async function predict(wg, model, data) {
  model.eval();
  let all = null;
  try {
    for await (const [x, y] of data) {
      const next = wg.noGrad(() => wg.tidy(() => {
        const p = wg.stack([wg.argmax(model(x), 1), y], 1);
        return all ? wg.concat([all, p], 0) : p;
      }));
      all?.dispose();
      all = wg.keep(next);
      x.dispose();
      y.dispose();
    }
    const v = all ? Int32Array.from(await all.data()) : new Int32Array(0);
    return { preds: v.filter((_, i) => i % 2 === 0), labels: v.filter((_, i) => i % 2 === 1) };
  } finally {
    all?.dispose();
    model.train();
  }
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Trains per `cfg` (the parsed flags) and returns everything the CLI writes: a summary, the scalar
 * records, history, confusion matrix, misclassified samples (8-bit pixels, base64) and the model bytes.
 * `emit(event)` receives {type: 'start'|'epochBegin'|'step'|'log'|'epochEnd'|'scalar', …}.
 */
export async function runTraining(wg, cfg, emit = () => {}) {
  const info = await wg.init();
  // The page is a browser to webgrad; the user asked for chrome.
  const runtime = cfg.runtime === 'chrome' && info.runtime === 'browser' ? 'chrome' : info.runtime;
  wg.manualSeed(cfg.seed);
  const ds = await loadDataset(wg, cfg);
  const nTrain = ds.train.length;
  const nTest = ds.test.length;
  const model = buildModel(wg, cfg, ds.inputShape, ds.numClasses);
  const optimizer = buildOptimizer(wg, cfg, model.parameters());
  const scheduler = (cfg.schedule ?? 'constant') === 'cosine' && cfg.epochs > 1 ? new wg.optim.CosineAnnealingLR(optimizer, { tMax: cfg.epochs }) : undefined;
  const trainData = batches(wg, ds.train, cfg.batchSize, { shuffle: true, seed: cfg.seed, augment: cfg.augment ?? 0, fill: -ds.mean / ds.std });
  const testData = () => batches(wg, ds.test, Math.max(cfg.batchSize, 256));
  const steps = trainData.length;
  const records = [];
  const { train } = wg;
  let epochStart = 0;
  let seen = 0;
  const relay = {
    onEpochBegin: (epoch) => {
      epochStart = performance.now();
      seen = 0;
      emit({ type: 'epochBegin', epoch, epochs: cfg.epochs, steps, samples: nTrain });
    },
    onLog: (step, logs) => emit({ type: 'log', step, logs }),
    onEpochEnd: (epoch, logs) => emit({ type: 'epochEnd', epoch, epochs: cfg.epochs, logs, seconds: (performance.now() - epochStart) / 1000 }),
  };
  const sink = { write: (r) => (records.push(r), emit({ type: 'scalar', record: r })) };
  const callbacks = [relay, new train.ScalarLogger({ sink })];
  const stopper = cfg.earlyStopping == null ? null : new train.EarlyStopping({ monitor: 'test/loss', patience: cfg.earlyStopping, restoreBestWeights: true });
  if (stopper) callbacks.push(stopper);
  emit({ type: 'start', runtime, adapter: adapterName(info), software: info.software, parameters: model.numParameters(), trainSize: nTrain, testSize: nTest });

  const loss = (out, y) => wg.nn.F.crossEntropy(out, y);
  const t0 = performance.now();
  const h = await train.fit(model, {
    train: counted(trainData, (i, m) => {
      seen += m;
      emit({ type: 'step', step: i, steps, samples: seen, seconds: (performance.now() - epochStart) / 1000 });
    }),
    test: { [Symbol.asyncIterator]: () => testData()[Symbol.asyncIterator]() },
    optimizer,
    scheduler,
    loss,
    epochs: cfg.epochs,
    logEvery: cfg.logEvery ?? 20,
    callbacks,
  });
  const seconds = (performance.now() - t0) / 1000;
  // EarlyStopping put the best epoch's weights back: report (and save) those, not the last epoch's.
  const lastEpoch = h.epochs[h.epochs.length - 1];
  const restored = stopper && stopper.bestEpoch >= 0 && stopper.bestEpoch !== lastEpoch ? stopper.bestEpoch : null;
  const final = restored === null ? h.evaluation : await train.evaluate(model, testData(), { loss });
  const at = restored === null ? h.epochs.length - 1 : h.epochs.indexOf(restored);

  const { preds, labels } = await predict(wg, model, testData());
  const wrong = [];
  for (let i = 0; i < nTest && wrong.length < MISCLASSIFIED; i++) if (preds[i] !== labels[i]) wrong.push(i);
  const pixels = await pixelsOf(wg, ds, wrong);
  const misclassified = wrong.map((i, k) => ({ index: i, label: labels[i], pred: preds[i], pixels: toBase64(pixels[k]) }));
  const summary = {
    dataset: cfg.dataset,
    model: cfg.model,
    runtime,
    adapter: adapterName(info),
    software: info.software,
    epochs: h.epochsRun,
    trainAccuracy: h.history['train/accuracy']?.[at],
    testAccuracy: final?.accuracy,
    testLoss: final?.loss,
    seconds,
    samplesPerSecond: h.samples / h.trainSeconds,
  };
  const metadata = { format: 'webgrad', dataset: cfg.dataset, model: cfg.model, config: JSON.stringify(configOf(cfg)) };
  const bytes = await serializeModel(wg, model.stateDict(), metadata);
  const run = {
    summary,
    config: configOf(cfg),
    parameters: model.numParameters(),
    modelText: String(model),
    inputShape: ds.inputShape,
    classNames: ds.classNames,
    trainSize: nTrain,
    testSize: nTest,
    steps: h.steps,
    stopped: h.stopped,
    restoredEpoch: restored,
    history: { epochs: h.epochs, history: h.history },
    scalars: records,
    confusion: final?.confusion ?? null,
    misclassified,
    device: { runtime: info.runtime, adapter: adapterName(info), software: info.software, vendor: info.adapter.vendor, architecture: info.adapter.architecture },
  };
  model.dispose();
  optimizer.dispose();
  ds.dispose();
  return { run, modelBytes: bytes, modelBase64: () => toBase64(bytes) };
}

/** The flags that define a run (what config.json records and `webgrad eval` rebuilds the model from). */
export function configOf(cfg) {
  const keys = ['dataset', 'model', 'arch', 'optimizer', 'lr', 'schedule', 'batchSize', 'epochs', 'weightDecay', 'dropout', 'augment', 'seed', 'earlyStopping', 'logEvery', 'limit', 'runtime'];
  return Object.fromEntries(keys.map((k) => [k, cfg[k] ?? null]));
}

export function adapterName(info) {
  const a = info.adapter;
  return a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unknown adapter';
}

export { toBase64 };
