// Small vs large batch (Keskar et al. 2017): two copies of one net, from the same initial weights,
// trained with a small and a large batch until each fits the training set; then their accuracy, the
// sharpness of each minimum and the loss along lines through weight space.
import { start, done, report, status, $ } from '../lib/page.js';
import { lineChart, COLORS } from '../lib/chart.js';
import { nextFrame } from '../lib/loop.js';
import { loadMnist } from '../lib/mnist.js';
import { paced } from '../lib/paced.js';
import * as K from './keskar.js';

// `quick` (the end-to-end test) and the default page use a subset; the button runs the full size.
const QUICK = { name: 'quick', n: 1024, hidden: 32, target: 0.97, maxEpochs: 30, sharpN: 256, iters: 15, curveN: 256, testN: 1000 };
const DEFAULT = { name: 'default', n: 2048, hidden: 64, target: 0.98, maxEpochs: 40, sharpN: 512, iters: 20, curveN: 512, testN: 2000 };
const FULL = { name: 'full', n: 8000, hidden: 128, target: 0.99, maxEpochs: 60, sharpN: 1000, iters: 20, curveN: 1000, testN: 2000 };
const LR = 3e-3;
const SEED = 1;
// How far (in weight-space norm) the sharpest-direction plot goes either side of each minimum.
const RADIUS = 0.6;
// Keskar et al., Table 2 (network F1: 784-512×5-10 on MNIST; SB = 256, LB = 10% of the 60,000 digits).
const PAPER = [
  { label: 'Keskar et al. F1, SB', batch: '256', train: '99.66%', test: '98.03%' },
  { label: 'Keskar et al. F1, LB', batch: '6,000', train: '99.92%', test: '97.81%' },
];

const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
const num = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

function renderTable(rows) {
  const ours = rows.map((r) => `<tr><td>${r.label}</td><td>${r.batch}</td><td>${pct(r.trainAcc)}</td><td>${pct(r.testAcc)}</td><td>${num(r.trainLoss)}</td><td>${num(r.testLoss)}</td><td>${num(r.sharpness, 2)}</td><td>${r.epochs ?? '–'}</td><td>${r.steps ?? '–'}</td></tr>`);
  const paper = PAPER.map((p, i) => `<tr class="${i ? '' : 'sep'}"><td class="paper">${p.label}</td><td class="paper">${p.batch}</td><td class="paper">${p.train}</td><td class="paper">${p.test}</td><td class="paper">–</td><td class="paper">–</td><td class="paper">${i ? 'LB ≫ SB (ε-sharpness)' : ''}</td><td class="paper"></td><td class="paper"></td></tr>`);
  $('rows').innerHTML = [...ours, ...paper].join('');
}

function charts() {
  const pair = (a, b) => [
    { label: a, color: COLORS[0] },
    { label: b, color: COLORS[3] },
  ];
  return {
    curves: lineChart($('curves'), { title: 'Training loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: pair('small batch', 'large batch'), logY: true }),
    power: lineChart($('power'), { title: 'Sharpness: power iteration', xLabel: 'iteration', yLabel: 'v·Hv', series: pair('small batch', 'large batch') }),
    interp: lineChart($('interp'), { title: 'From the small-batch to the large-batch net', xLabel: 'α', yLabel: 'cross-entropy', series: [{ label: 'train', color: COLORS[0] }, { label: 'test', color: COLORS[1], dash: [6, 4] }], logY: true }),
    around: lineChart($('around'), { title: 'Along the sharpest direction of each minimum', xLabel: 't', yLabel: 'train cross-entropy', series: pair('small batch', 'large batch') }),
  };
}

start(async ({ wg, quick }) => {
  status('Loading MNIST…');
  const { train, test } = await loadMnist({ flatten: true });
  const c = charts();
  let running = false;

  async function run(cfg, sbBatch, lbBatch) {
    running = true;
    for (const b of ['again', 'full', 'sb', 'lb']) $(b).disabled = true;
    const t0 = performance.now();
    const secs = () => ((performance.now() - t0) / 1000).toFixed(0);
    const subset = cfg.n < train.length;
    $('setup').textContent = `${subset ? `Subset: the first ${cfg.n.toLocaleString()} of 8,000 training digits` : 'All 8,000 training digits'}, ${cfg.testN.toLocaleString()} test digits; a 784-${cfg.hidden}-10 ReLU net, Adam (lr ${LR}), both from the same initial weights, each trained until its training accuracy reaches ${(100 * cfg.target).toFixed(0)}% (at most ${cfg.maxEpochs} epochs). Sharpness on the first ${cfg.sharpN} training digits, the curves below on ${cfg.curveN} digits.`;
    const views = [];
    const cut = (t, n) => (views.push(wg.slice(t, 0, 0, n)), views[views.length - 1]);
    const x = cut(train.images, cfg.n);
    const y = cut(train.labels, cfg.n);
    const xt = cut(test.images, cfg.testN);
    const yt = cut(test.labels, cfg.testN);
    const xs = cut(train.images, cfg.sharpN);
    const ys = cut(train.labels, cfg.sharpN);
    const xc = cut(train.images, cfg.curveN);
    const yc = cut(train.labels, cfg.curveN);
    const xct = cut(test.images, cfg.curveN);
    const yct = cut(test.labels, cfg.curveN);
    const nets = [];
    const eigen = [];
    const rows = [];
    const losses = [[], []];
    const traces = [[], []];
    const drawCurves = () => {
      const n = Math.max(...losses.map((l) => l.length));
      const xs1 = Array.from({ length: n }, (_, i) => i + 1);
      c.curves.setData(xs1, ...losses.map((l) => xs1.map((_, i) => l[i] ?? null)));
    };
    const drawPower = () => {
      const n = Math.max(...traces.map((l) => l.length));
      const it = Array.from({ length: n }, (_, i) => i + 1);
      c.power.setData(it, ...traces.map((l) => it.map((_, i) => l[i] ?? null)));
    };
    drawCurves();
    drawPower();
    renderTable(rows);
    try {
      for (const [k, [label, batch]] of [['small batch', sbBatch], ['large batch', lbBatch]].entries()) {
        wg.manualSeed(SEED);
        const model = K.makeNet(wg, cfg.hidden);
        nets.push(model);
        const h = await K.trainNet(wg, model, {
          x, y, batchSize: batch, lr: LR, target: cfg.target, maxEpochs: cfg.maxEpochs, seed: SEED + 6, paced,
          onEpoch: (epoch, logs) => {
            losses[k].push(logs['train/loss']);
            drawCurves();
            status(`${label} (${batch}): epoch ${epoch + 1}, training accuracy ${pct(logs['train/accuracy'])} · ${secs()} s`);
          },
        });
        status(`${label}: scoring and measuring sharpness · ${secs()} s`);
        const tr = await K.score(wg, model, x, y);
        const te = await K.score(wg, model, xt, yt);
        const row = { label, batch, trainAcc: tr.accuracy, testAcc: te.accuracy, trainLoss: tr.loss, testLoss: te.loss, epochs: h.epochsRun, steps: h.steps, sharpness: NaN };
        rows.push(row);
        renderTable(rows);
        const s = await K.sharpness(wg, model, xs, ys, { iters: cfg.iters, pause: nextFrame });
        row.sharpness = s.lambda;
        eigen.push(s.vector);
        traces[k] = s.trace;
        drawPower();
        renderTable(rows);
      }

      status(`loss along lines through weight space · ${secs()} s`);
      const [a, b] = nets.map((m) => K.weightsOf(wg, m));
      const diff = b.map((bi, i) => wg.keep(bi.sub(a[i])));
      const alphas = Array.from({ length: 25 }, (_, i) => -0.5 + (2 * i) / 24);
      const ts = Array.from({ length: 21 }, (_, i) => -RADIUS + (RADIUS * i) / 10);
      const parts = [
        ...K.lineLosses(wg, a, diff, alphas, xc, yc).slice(0, 1),
        ...K.lineLosses(wg, a, diff, alphas, xct, yct).slice(0, 1),
        ...K.lineLosses(wg, a, eigen[0], ts, xs, ys).slice(0, 1),
        ...K.lineLosses(wg, b, eigen[1], ts, xs, ys).slice(0, 1),
      ];
      const all = wg.concat(parts, 0);
      const v = Array.from(await all.data());
      [all, ...parts, ...a, ...b, ...diff].forEach((t) => t.dispose());
      const A = alphas.length;
      const T = ts.length;
      const interp = { alpha: alphas, train: v.slice(0, A), test: v.slice(A, 2 * A) };
      const around = { t: ts, sb: v.slice(2 * A, 2 * A + T), lb: v.slice(2 * A + T) };
      c.interp.setData(alphas, interp.train, interp.test);
      c.around.setData(ts, around.sb, around.lb);
      const seconds = (performance.now() - t0) / 1000;
      const [sb, lb] = rows;
      status(`done in ${seconds.toFixed(0)} s (${cfg.name} run): test accuracy ${pct(sb.testAcc)} (small batch) vs ${pct(lb.testAcc)} (large batch), sharpness ${num(sb.sharpness, 2)} vs ${num(lb.sharpness, 2)}`);
      return { run: cfg.name, subset: cfg.n, hidden: cfg.hidden, seconds, sb, lb, interp, around };
    } finally {
      nets.forEach((m) => m.dispose());
      eigen.flat().forEach((t) => t.dispose());
      views.forEach((t) => t.dispose());
      running = false;
      for (const b of ['again', 'full', 'sb', 'lb']) $(b).disabled = false;
    }
  }

  const batches = () => [Number($('sb').value), Number($('lb').value)];
  const rerun = (cfg) => async () => {
    if (running) return;
    try {
      report({ last: await run(cfg, ...batches()) });
    } catch (e) {
      status(`Error: ${e.message}`);
      throw e;
    }
  };
  $('again').onclick = rerun(quick ? QUICK : DEFAULT);
  $('full').onclick = rerun(FULL);
  const result = await run(quick ? QUICK : DEFAULT, ...batches());
  done({ ...result, tableText: $('table').textContent, liveBuffers: wg.stats().liveBuffers });
});
