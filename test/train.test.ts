// src/train: metrics against a CPU reference, callbacks on scripted metric sequences, and fit()'s
// readback budget, memory and train/eval switching on a small generated classification task.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { nn, optim, train } from '../src/index.ts';
import { rng } from './reference/index.ts';

const gaussian = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function randomLogits(n: number, c: number, seed: number): { logits: Float32Array; target: Int32Array } {
  const r = rng(seed);
  return { logits: Float32Array.from({ length: n * c }, () => gaussian(r)), target: Int32Array.from({ length: n }, () => Math.floor(r() * c)) };
}

/** CPU reference: top-1 and top-k correct counts (rank by strictly larger logits) and the confusion counts. */
function reference(logits: Float32Array, target: Int32Array, c: number, k: number) {
  const n = target.length;
  let top1 = 0;
  let topk = 0;
  const confusion = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < n; i++) {
    const row = Array.from(logits.subarray(i * c, (i + 1) * c));
    let arg = 0;
    for (let j = 1; j < c; j++) if (row[j]! > row[arg]!) arg = j;
    const t = target[i]!;
    if (arg === t) top1++;
    if (row.filter((v) => v > row[t]!).length < k) topk++;
    confusion[t]![arg]!++;
  }
  return { top1, topk, confusion };
}

/** Gaussian blobs: `classes` centres in `dim` dimensions, shuffled, as one CPU array per epoch. */
function blobs(n: number, dim: number, classes: number, seed: number) {
  const r = rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => 2 * gaussian(r)));
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let d = 0; d < dim; d++) x[i * dim + d] = centres[c]![d]! + 0.5 * gaussian(r);
  }
  return { x, y, dim };
}

/** Yields fresh [x, y] tensors per batch (fit disposes them), as a DataLoader does. */
function batches(data: { x: Float32Array; y: Int32Array; dim: number }, batchSize: number): AsyncIterable<[wg.Tensor, wg.Tensor]> {
  return {
    async *[Symbol.asyncIterator]() {
      const n = data.y.length;
      for (let i = 0; i < n; i += batchSize) {
        const m = Math.min(batchSize, n - i);
        yield [wg.tensor(data.x.subarray(i * data.dim, (i + m) * data.dim), { shape: [m, data.dim] }), wg.tensor(data.y.subarray(i, i + m), { dtype: 'int32' })];
      }
    },
  };
}

/** An MLP that records, per forward, whether it ran in training mode. */
class Probe extends nn.Module {
  net: nn.Sequential;
  modes: boolean[] = [];
  constructor(dim: number, classes: number) {
    super();
    this.net = new nn.Sequential(new nn.Linear(dim, 16), new nn.Tanh(), new nn.Linear(16, classes));
  }
  forward(x: wg.Tensor): wg.Tensor {
    this.modes.push(this.training && this.net.training);
    return this.net(x);
  }
}

/** Sets logs[tag] from a script, so callbacks and schedulers that run after it see chosen values. */
const scripted = (tag: string, values: number[]): train.Callback => ({ onEpochEnd: (e, logs) => void (logs[tag] = values[e]!) });

describe('metrics', () => {
  it('accuracy, top-k and the confusion matrix match a CPU reference', async () => {
    await wg.scope(async () => {
      for (const [n, c, k] of [[37, 7, 3], [1, 2, 1], [64, 10, 5]] as const) {
        const { logits, target } = randomLogits(n, c, n * 31 + c);
        const ref = reference(logits, target, c, k);
        const L = wg.tensor(logits, { shape: [n, c] });
        const T = wg.tensor(target, { dtype: 'int32' });
        expect(await train.correctCount(L, T).item()).toBe(ref.top1);
        expect(await train.accuracy(L, T).item()).toBeCloseTo(ref.top1 / n, 6);
        expect(await train.topKCount(L, T, k).item()).toBe(ref.topk);
        expect(await train.topKAccuracy(L, T, c).item()).toBe(1);
        expect(await train.confusionMatrix(L.argmax(1), T, c).toArray()).toEqual(ref.confusion);
      }
    });
  });

  it('Metrics accumulates batches on the GPU and reads back once', async () => {
    await wg.scope(async () => {
      const c = 5;
      const sizes = [13, 1, 29];
      const all = randomLogits(43, c, 9);
      const ref = reference(all.logits, all.target, c, 2);
      const m = new train.Metrics({ topK: [2] });
      let off = 0;
      let lossSum = 0;
      const before = wg.stats().readbacks;
      for (const b of sizes) {
        const L = wg.tensor(all.logits.subarray(off * c, (off + b) * c), { shape: [b, c] });
        const T = wg.tensor(all.target.subarray(off, off + b), { dtype: 'int32' });
        const loss = wg.full([], 0.5 + off);
        lossSum += (0.5 + off) * b;
        m.add(loss, L, T);
        off += b;
      }
      expect(wg.stats().readbacks).toBe(before);
      const r = await m.result();
      expect(wg.stats().readbacks).toBe(before + 1);
      expect(r.count).toBe(43);
      expect(r.loss).toBeCloseTo(lossSum / 43, 5);
      expect(r.accuracy).toBeCloseTo(ref.top1 / 43, 6);
      expect(r.topK[2]).toBeCloseTo(ref.topk / 43, 6);
      expect(r.confusion).toEqual(ref.confusion);
    });
  });

  it('rejects bad shapes and dtypes before any GPU work', () => {
    const L = wg.zeros([4, 3]);
    expect(() => train.accuracy(L, wg.zeros([4]))).toThrow(/int32/);
    expect(() => train.accuracy(L, wg.zeros([3], { dtype: 'int32' }))).toThrow(/targets \[4\]/);
    expect(() => train.topKCount(L, wg.zeros([4], { dtype: 'int32' }), 0)).toThrow(/positive integer/);
    L.dispose();
  });
});

describe('callbacks', () => {
  const ctxFor = (model: nn.Module<any, any>): train.TrainContext => ({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 10, epoch: 0, step: 0, stopTraining: false });

  it('EarlyStopping stops after patience epochs without improvement and restores the best weights', async () => {
    const model = new nn.Linear(2, 1);
    const ctx = ctxFor(model);
    const es = new train.EarlyStopping({ monitor: 'test/loss', patience: 2, minDelta: 0.01, restoreBestWeights: true });
    // Best at epoch 2 (0.7); 0.695 is within minDelta, so epochs 3 and 4 do not improve: stop after 4.
    const seq = [1, 0.8, 0.7, 0.695, 0.75, 0.1];
    es.onTrainBegin();
    let e = 0;
    for (; e < seq.length && !ctx.stopTraining; e++) {
      ctx.epoch = e;
      // Each epoch's weights are all equal to the epoch number, so the restored ones name their epoch.
      model.loadStateDict({ weight: wg.full([1, 2], e), bias: wg.full([1], e) });
      es.onEpochEnd(e, { 'test/loss': seq[e]! }, ctx);
    }
    expect(e).toBe(5);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.bestEpoch).toBe(2);
    expect(es.best).toBe(0.7);
    const live = wg.stats().liveBuffers;
    es.onTrainEnd({}, ctx);
    expect(Array.from(await model.weight.data())).toEqual([2, 2]);
    expect(await model.bias!.item()).toBe(2);
    expect(wg.stats().liveBuffers).toBeLessThan(live);
    model.dispose();
  });

  it("EarlyStopping's mode follows the monitor; accuracy is maximised", () => {
    const model = new nn.Linear(1, 1);
    const ctx = ctxFor(model);
    const es = new train.EarlyStopping({ monitor: 'test/accuracy' });
    es.onTrainBegin();
    [0.5, 0.6, 0.55].forEach((v, e) => !ctx.stopTraining && es.onEpochEnd(e, { 'test/accuracy': v }, ctx));
    expect(es.stoppedEpoch).toBe(2);
    expect(() => es.onEpochEnd(3, { 'train/loss': 1 }, ctx)).toThrow(/'test\/accuracy' is not in this epoch's logs \(train\/loss\)/);
    model.dispose();
  });

  it('unknown option names fail naming the closest valid one', () => {
    expect(() => new train.EarlyStopping({ patiense: 1 } as never)).toThrow(/unknown option 'patiense'.*did you mean 'patience'/);
    expect(() => new train.ModelCheckpoint({ save: () => {}, monitr: 'x' } as never)).toThrow(/did you mean 'monitor'/);
    expect(() => new train.ScalarLogger({ sink: train.memorySink(), tag: [] } as never)).toThrow(/did you mean 'tags'/);
    const model = new nn.Linear(1, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    return Promise.all([
      expect(train.fit(model, { train: [], optimizer: opt, loss: nn.F.mseLoss, epoch: 2 } as never)).rejects.toThrow(/unknown option 'epoch'.*did you mean 'epochs'/),
      expect(train.fit(model, { train: [], optimizer: opt, loss: nn.F.mseLoss, logevery: 2 } as never)).rejects.toThrow(/did you mean 'logEvery'/),
      expect(train.evaluate(model, [], { topk: [2] } as never)).rejects.toThrow(/did you mean 'topK'/),
    ]).finally(() => model.dispose());
  });

  it('ScalarLogger writes {tag, step, wallTime, value} as JSONL and CSV through a sink', async () => {
    const files: Record<string, string> = {};
    const mem = train.memorySink();
    const text = train.textSink((f, t) => void (files[f] = (files[f] ?? '') + t));
    const both: train.ScalarSink = { write: (r) => (mem.write(r), text.write(r)) };
    const log = new train.ScalarLogger({ sink: both, now: () => 100.5 });
    const ctx = ctxFor(new nn.Linear(1, 1));
    await log.onLog(10, { 'train/loss': 0.25, lr: 0.1 });
    ctx.step = 12;
    await log.onEpochEnd(0, { 'train/loss': 0.3, 'train/accuracy': 0.9, 'test/loss': NaN, lr: 0.1 }, ctx);
    expect(mem.records).toEqual([
      { tag: 'train/loss', step: 10, wallTime: 100.5, value: 0.25 },
      { tag: 'lr', step: 10, wallTime: 100.5, value: 0.1 },
      { tag: 'train/accuracy', step: 12, wallTime: 100.5, value: 0.9 },
      { tag: 'test/loss', step: 12, wallTime: 100.5, value: NaN },
    ]);
    expect(files['scalars.csv']).toBe('tag,step,wallTime,value\ntrain/loss,10,100.5,0.25\nlr,10,100.5,0.1\ntrain/accuracy,12,100.5,0.9\ntest/loss,12,100.5,NaN\n');
    expect(files['scalars.jsonl']!.split('\n')[3]).toBe('{"tag":"test/loss","step":12,"wallTime":100.5,"value":null}');
    expect(train.parseJsonl(files['scalars.jsonl']!)).toEqual(mem.records);
    ctx.model.dispose();
  });
});

describe('fit', () => {
  it('learns, reads back only at log points and evaluations, keeps memory flat and switches train/eval', async () => {
    wg.manualSeed(3);
    const data = blobs(120, 8, 3, 1);
    const held = blobs(45, 8, 3, 1);
    const model = new Probe(8, 3);
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const perEpoch: { readbacks: number; live: number }[] = [];
    let start = 0;
    const meter: train.Callback = {
      onEpochBegin: () => void (start = wg.stats().readbacks),
      onEpochEnd: () => void perEpoch.push({ readbacks: wg.stats().readbacks - start, live: wg.stats().liveBuffers }),
    };
    const mem = train.memorySink();
    // 120 samples in batches of 12: 10 steps an epoch; the evaluation runs 45 / 16 -> 3 batches.
    const h = await train.fit(model, {
      train: batches(data, 12),
      test: batches(held, 16),
      optimizer: opt,
      loss: (o, y) => nn.F.crossEntropy(o, y),
      epochs: 4,
      logEvery: 4,
      topK: [2],
      callbacks: [meter, new train.ScalarLogger({ sink: mem })],
    });
    expect(h.epochsRun).toBe(4);
    expect(h.steps).toBe(40);
    expect(h.samples).toBe(480);
    // Per epoch (steps 1-10, 11-20, …): two or three log points (4, 8 | 12, 16, 20 | …), one end-of-epoch
    // read unless a log point fell on the last step, and one for the evaluation: 4 in each.
    expect(perEpoch.map((p) => p.readbacks)).toEqual([4, 4, 4, 4]);
    expect(perEpoch.map((p) => p.live)).toEqual(new Array(4).fill(perEpoch[1]!.live));
    // 40 training forwards in training mode, then 3 evaluation forwards per epoch in eval mode.
    expect(model.modes.filter((m) => m).length).toBe(40);
    expect(model.modes.filter((m) => !m).length).toBe(12);
    expect(model.modes.slice(10, 13)).toEqual([false, false, false]);
    expect(model.training).toBe(true);
    const last = h.last;
    expect(last['test/accuracy']).toBeGreaterThan(0.9);
    expect(last['test/top2']).toBeGreaterThanOrEqual(last['test/accuracy']!);
    expect(h.history['train/loss']![3]).toBeLessThan(h.history['train/loss']![0]!);
    expect(h.evaluation!.confusion!.flat().reduce((a, b) => a + b)).toBe(45);
    expect(h.evaluation!.count).toBe(45);
    // train/loss and lr at steps 4, 8, 10 (end of epoch), 12, …; test values at each epoch's last step.
    const steps = mem.records.filter((r) => r.tag === 'train/loss').map((r) => r.step);
    expect(steps.slice(0, 6)).toEqual([4, 8, 10, 12, 16, 20]);
    expect(mem.records.filter((r) => r.tag === 'test/accuracy').map((r) => r.step)).toEqual([10, 20, 30, 40]);
    expect(new Set(mem.records.map((r) => r.tag))).toEqual(new Set(['train/loss', 'lr', 'train/accuracy', 'test/loss', 'test/accuracy', 'test/top2']));
    model.dispose();
    opt.dispose();
  });

  it('EarlyStopping, ModelCheckpoint and ReduceLROnPlateau act on scripted epoch values inside fit', async () => {
    wg.manualSeed(4);
    const data = blobs(24, 4, 2, 2);
    const model = new nn.Linear(4, 2);
    const opt = new optim.SGD(model.parameters(), { lr: 0.4 });
    const plateau = new optim.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    const saved: number[] = [];
    const script = [3, 2, 2.5, 1.5, 1.6, 1.7, 1.8, 0];
    const h = await train.fit(model, {
      train: batches(data, 8),
      optimizer: opt,
      loss: (o, y) => nn.F.crossEntropy(o, y),
      epochs: script.length,
      scheduler: plateau,
      schedulerMonitor: 'script',
      callbacks: [
        scripted('script', script),
        new train.ModelCheckpoint({ monitor: 'script', save: (sd, info) => void (expect(Object.keys(sd)).toEqual(['weight', 'bias']), saved.push(info.epoch)) }),
        new train.EarlyStopping({ monitor: 'script', patience: 2 }),
      ],
    });
    // Improvements at 0, 1, 3; epochs 4 and 5 do not improve: stop after epoch 5.
    expect(h.epochsRun).toBe(6);
    expect(h.stopped).toBe(true);
    expect(saved).toEqual([0, 1, 3]);
    // lr used in each epoch: halved after each non-improving epoch (2, 4, 5).
    expect(h.history.lr).toEqual([0.4, 0.4, 0.4, 0.2, 0.2, 0.1]);
    expect(h.history['test/loss']).toBeUndefined();
    model.dispose();
    opt.dispose();
  });

  it('trains over a plain array of batches reused across epochs with disposeBatches: false', async () => {
    wg.manualSeed(5);
    const x = wg.tensor([[0, 0], [1, 1], [0, 1], [1, 0]], { shape: [4, 2] });
    const y = wg.tensor([0, 1, 0, 1], { dtype: 'int32' });
    const model = new nn.Linear(2, 2);
    const opt = new optim.Adam(model.parameters(), { lr: 0.1 });
    const h = await train.fit(model, { train: [[x, y]], test: [[x, y]], optimizer: opt, loss: (o, t) => nn.F.crossEntropy(o, t), epochs: 30, disposeBatches: false });
    expect(x.isDisposed || y.isDisposed).toBe(false);
    expect(h.steps).toBe(30);
    expect(h.last['test/accuracy']).toBe(1);
    expect(() => new train.Metrics({ topk: [1] } as never)).toThrow(/did you mean 'topK'/);
    model.dispose();
    opt.dispose();
    x.dispose();
    y.dispose();
  });

  it('fails loudly on bad batches and losses', async () => {
    const model = new nn.Linear(2, 2);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    await expect(train.fit(model, { train: [[wg.zeros([1, 2])] as never], optimizer: opt, loss: nn.F.mseLoss })).rejects.toThrow(/\[input, target\]/);
    await expect(train.fit(model, { train: [[wg.zeros([3, 2]), wg.zeros([3, 2])]], optimizer: opt, loss: (o, y) => nn.F.mseLoss(o, y, { reduction: 'none' }) })).rejects.toThrow(/one-element tensor/);
    await expect(train.fit(model, { train: 5 as never, optimizer: opt, loss: nn.F.mseLoss })).rejects.toThrow(/iterable/);
    model.dispose();
    opt.dispose();
  });
});
