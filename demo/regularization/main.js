// Regularization: one net trained four ways on a small training subset (so that it overfits within
// seconds), with the train and test curves of each and the epoch where early stopping would stop.
import { start, done, status, $ } from '../lib/page.js';
import { lineChart, COLORS } from '../lib/chart.js';
import { loadMnist } from '../lib/mnist.js';
import { paced } from '../lib/paced.js';
import { VARIANTS, trainVariant } from './variants.js';

const CFG = { hidden: 64, dropout: 0.5, weightDecay: 0.03, lr: 4e-3, batch: 50, patience: 3, seed: 1 };
const QUICK_TEST = 500;
const DEFAULT_TEST = 2000;

const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const num = (v) => (Number.isFinite(v) ? v.toFixed(3) : '–');

/** A dashed vertical line with a label at x = `at()` (null: none), drawn after the series. */
function marker(plot, at, label) {
  (plot.hooks.draw ??= []).push((u) => {
    const x = at();
    if (x == null) return;
    const ctx = u.ctx;
    const px = u.valToPos(x, 'x', true);
    const { top, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = '#444';
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#333';
    ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = px > u.bbox.left + u.bbox.width * 0.7 ? 'right' : 'left';
    ctx.fillText(label(), px + (ctx.textAlign === 'left' ? 5 : -5) * devicePixelRatio, top + 14 * devicePixelRatio);
    ctx.restore();
  });
}

start(async ({ wg, quick }) => {
  status('Loading MNIST…');
  const { train, test } = await loadMnist({ flatten: true });
  const testN = quick ? QUICK_TEST : DEFAULT_TEST;
  const box = $('charts');
  const figs = [...VARIANTS.map((v) => v.key), 'trainAcc', 'testAcc'].map((k) => {
    const f = document.createElement('figure');
    f.id = `chart-${k}`;
    box.append(f);
    return f;
  });
  const runs = {};
  const charts = {};
  VARIANTS.forEach((v, i) => {
    charts[v.key] = lineChart(figs[i], {
      title: v.label,
      xLabel: 'epoch',
      yLabel: 'cross-entropy',
      series: [
        { label: 'train loss', color: COLORS[i] },
        { label: 'test loss', color: COLORS[i], dash: [6, 4] },
      ],
      // Linear, so that the test loss's turn upwards shows; the first epochs' higher losses are cut off.
      yRange: [0, 1.5],
      height: 230,
    });
    marker(charts[v.key].plot, () => (runs[v.key]?.stopEpoch >= 0 ? runs[v.key].stopEpoch + 1 : null), () => `early stop (epoch ${runs[v.key].stopEpoch + 1})`);
  });
  const accSeries = VARIANTS.map((v, i) => ({ label: v.label, color: COLORS[i] }));
  charts.trainAcc = lineChart(figs[4], { title: 'Training accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: accSeries, height: 230 });
  charts.testAcc = lineChart(figs[5], { title: 'Test accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: accSeries, height: 230 });

  function summary(key) {
    const r = runs[key];
    const h = r.history;
    const last = (k) => h[k]?.at(-1);
    const tl = h['test/loss'] ?? [];
    let best = 0;
    tl.forEach((v, i) => v < tl[best] && (best = i));
    return {
      label: VARIANTS.find((v) => v.key === key).label,
      epochs: tl.length,
      trainAcc: last('train/accuracy'),
      testAcc: last('test/accuracy'),
      trainLoss: last('train/loss'),
      testLoss: last('test/loss'),
      minTestLoss: tl[best],
      minTestEpoch: best + 1,
      stopEpoch: r.stopEpoch >= 0 ? r.stopEpoch + 1 : null,
      bestEpoch: r.bestEpoch >= 0 ? r.bestEpoch + 1 : null,
      testAccAtStop: r.stopEpoch >= 0 ? h['test/accuracy'][r.stopEpoch] : null,
    };
  }

  function draw(epochs) {
    const xs = Array.from({ length: epochs }, (_, i) => i + 1);
    const col = (key, tag) => xs.map((_, i) => runs[key]?.history[tag]?.[i] ?? null);
    for (const v of VARIANTS) if (runs[v.key]) charts[v.key].setData(xs, col(v.key, 'train/loss'), col(v.key, 'test/loss'));
    charts.trainAcc.setData(xs, ...VARIANTS.map((v) => col(v.key, 'train/accuracy')));
    charts.testAcc.setData(xs, ...VARIANTS.map((v) => col(v.key, 'test/accuracy')));
    $('rows').innerHTML = VARIANTS.filter((v) => runs[v.key]?.history['test/loss'])
      .map((v) => {
        const s = summary(v.key);
        return `<tr><td>${s.label}</td><td>${pct(s.trainAcc)}</td><td>${pct(s.testAcc)}</td><td>${pct(s.trainAcc - s.testAcc)}</td><td>${num(s.trainLoss)}</td><td>${num(s.testLoss)}</td><td>${num(s.minTestLoss)} (${s.minTestEpoch})</td><td>${s.stopEpoch ?? 'did not stop'}</td><td>${s.testAccAtStop == null ? '–' : pct(s.testAccAtStop)}</td></tr>`;
      })
      .join('');
  }

  let busy = false;
  async function run() {
    busy = true;
    $('again').disabled = true;
    const n = Number($('n').value);
    const epochs = Number($('epochs').value);
    const t0 = performance.now();
    $('setup').textContent = `Subset: the first ${n.toLocaleString()} of 8,000 training digits (so that overfitting shows within a few epochs) and ${testN.toLocaleString()} test digits. A 784-${CFG.hidden}-10 ReLU net, Adam (lr ${CFG.lr}), batch ${CFG.batch}, ${epochs} epochs, the same initial weights for all four; L2: weight decay ${CFG.weightDecay}; dropout: p = ${CFG.dropout} on the hidden layer; batch norm before the hidden ReLU. Early stopping: wg.train.EarlyStopping on the test loss, patience ${CFG.patience}; training goes on past it to show what it saves.`;
    const views = [wg.slice(train.images, 0, 0, n), wg.slice(train.labels, 0, 0, n), wg.slice(test.images, 0, 0, testN), wg.slice(test.labels, 0, 0, testN)];
    const [x, y, xt, yt] = views;
    for (const k of Object.keys(runs)) delete runs[k];
    draw(epochs);
    try {
      for (const v of VARIANTS) {
        runs[v.key] = { history: {}, stopEpoch: -1, bestEpoch: -1 };
        const r = await trainVariant(wg, v.key, {
          x, y, xt, yt, ...CFG, epochs, paced,
          onEpoch: (epoch, logs) => {
            const h = runs[v.key].history;
            for (const [k, val] of Object.entries(logs)) (h[k] ??= []).push(val);
            draw(epochs);
            status(`${v.label}: epoch ${epoch + 1}/${epochs}, train ${pct(logs['train/accuracy'])}, test ${pct(logs['test/accuracy'])} · ${((performance.now() - t0) / 1000).toFixed(0)} s`);
          },
        });
        runs[v.key] = r;
        draw(epochs);
      }
      const seconds = (performance.now() - t0) / 1000;
      const out = Object.fromEntries(VARIANTS.map((v) => [v.key, summary(v.key)]));
      const gap = (k) => out[k].trainAcc - out[k].testAcc;
      status(`done in ${seconds.toFixed(0)} s: train−test accuracy gap ${VARIANTS.map((v) => `${pct(gap(v.key))} (${v.label})`).join(', ')}`);
      return { n, testN, epochs, seconds, variants: out };
    } finally {
      views.forEach((t) => t.dispose());
      busy = false;
      $('again').disabled = false;
    }
  }
  $('again').onclick = () => !busy && run();
  const result = await run();
  done({ ...result, liveBuffers: wg.stats().liveBuffers });
});
