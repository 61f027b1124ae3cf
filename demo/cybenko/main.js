// Universal approximation: the drawing pad (the target, resampled to N points on [0, 1]), the net's
// fit and its units redrawn once per chunk of training steps, the loss chart and a table of runs.
// A new target, preset or width starts a fresh net and trains it; Train continues; Reset re-initializes.
import { start, done, report, status, showError, quick, $ } from '../lib/page.js';
import { chunked } from '../lib/loop.js';
import { lineChart } from '../lib/chart.js';
import { Fit, PRESETS, N, G, XS } from './fit.js';

const M = { l: 44, r: 12, t: 10, b: 34 };
const Y_RANGE = [-1.6, 1.6];
const LR = 0.05;

start(async ({ wg }) => {
  const pad = $('pad');
  const W = pad.width - M.l - M.r;
  const H = pad.height - M.t - M.b;
  const px = (x) => M.l + x * W;
  const py = (y) => M.t + ((Y_RANGE[1] - y) / (Y_RANGE[1] - Y_RANGE[0])) * H;
  const chart = lineChart($('chart'), { title: 'training loss (MSE, log scale)', xLabel: 'step', yLabel: 'MSE', logY: true, height: 280, series: [{ label: 'MSE', color: '#1f6feb' }], legend: false });

  let target = Float64Array.from(XS, PRESETS.sine.f);
  let targetName = 'sine';
  let view = { fit: null, units: null, width: 0 };

  function draw() {
    const ctx = pad.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    ctx.strokeStyle = '#eee';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let y = -1.5; y <= 1.5; y += 0.5) {
      ctx.beginPath();
      ctx.moveTo(M.l, py(y));
      ctx.lineTo(M.l + W, py(y));
      ctx.stroke();
      ctx.fillText(y.toFixed(1), M.l - 6, py(y));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let x = 0; x <= 1.0001; x += 0.1) {
      ctx.beginPath();
      ctx.moveTo(px(x), M.t);
      ctx.lineTo(px(x), M.t + H);
      ctx.stroke();
      ctx.fillText(x.toFixed(1), px(x), M.t + H + 5);
    }
    ctx.fillText('x', M.l + W / 2, M.t + H + 19);
    ctx.strokeStyle = '#bbb';
    ctx.strokeRect(M.l + 0.5, M.t + 0.5, W - 1, H - 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.l, M.t, W, H);
    ctx.clip();
    const curve = (ys, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      for (let i = 0; i < ys.length; i++) {
        const x = px(i / (ys.length - 1));
        if (i) ctx.lineTo(x, py(ys[i]));
        else ctx.moveTo(x, py(ys[i]));
      }
      ctx.stroke();
    };
    if (view.units && $('units').checked) {
      for (let j = 0; j < view.width; j++) curve(Array.from({ length: G }, (_, i) => view.units[i * view.width + j]), 'rgba(230, 159, 0, 0.45)', 1);
    }
    ctx.fillStyle = '#777';
    for (let i = 0; i < N; i++) {
      ctx.beginPath();
      ctx.arc(px(XS[i]), py(target[i]), 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
    if (view.fit) curve(view.fit, '#1f6feb', 2.5);
    ctx.restore();
  }

  // Drawing: a stroke overwrites the target at every sample it passes, interpolating between pointer events.
  let last = null;
  const toData = (e) => {
    const r = pad.getBoundingClientRect();
    const x = (((e.clientX - r.left) * pad.width) / r.width - M.l) / W;
    const y = Y_RANGE[1] - ((((e.clientY - r.top) * pad.height) / r.height - M.t) / H) * (Y_RANGE[1] - Y_RANGE[0]);
    return [Math.min(1, Math.max(0, x)), Math.min(Y_RANGE[1], Math.max(Y_RANGE[0], y))];
  };
  const paint = ([x0, y0], [x1, y1]) => {
    const [a, b] = x0 <= x1 ? [[x0, y0], [x1, y1]] : [[x1, y1], [x0, y0]];
    for (let i = Math.ceil(a[0] * (N - 1)); i <= Math.floor(b[0] * (N - 1)); i++) {
      const t = b[0] > a[0] ? (XS[i] - a[0]) / (b[0] - a[0]) : 0;
      target[i] = a[1] + t * (b[1] - a[1]);
    }
    const near = Math.round(x1 * (N - 1));
    target[near] = y1;
  };
  pad.addEventListener('pointerdown', (e) => {
    gen++; // stops the training under way
    pad.setPointerCapture(e.pointerId);
    last = toData(e);
    paint(last, last);
    targetName = 'drawn';
    draw();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = toData(e);
    paint(last, p);
    last = p;
    draw();
  });
  const end = () => {
    if (!last) return;
    last = null;
    restart({ fresh: true });
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);

  let fit = null;
  let gen = 0;
  let runs = 0;
  let running = Promise.resolve();
  const xs = [];
  const ys = [];
  const width = () => Number($('width').value);
  const steps = () => Math.max(1, Math.round(Number($('steps').value)) || 1000);

  function fresh() {
    fit?.dispose();
    fit = new Fit(wg, width(), { lr: LR });
    xs.length = 0;
    ys.length = 0;
    chart.setData(xs, ys);
  }

  async function train(id, n) {
    fit.setTarget(target);
    const t0 = performance.now();
    const show = (r) => {
      view = { fit: r.fit, units: r.units, width: fit.width };
      draw();
    };
    await chunked(n, () => fit.step(), {
      budgetMs: 25,
      shouldStop: () => id !== gen,
      onChunk: async () => {
        const r = await fit.flush();
        if (id !== gen) return;
        for (const l of r.losses) xs.push(xs.length + 1), ys.push(Math.max(l, 1e-9)); // a log axis has no 0
        chart.setData(xs, ys);
        show(r);
        status(`width ${fit.width}: step ${fit.steps}, MSE ${r.mse.toExponential(2)}`);
      },
    });
    if (id !== gen) return null;
    const r = await fit.flush();
    show(r);
    runs++;
    const secs = (performance.now() - t0) / 1000;
    const summary = { run: runs, target: targetName, width: fit.width, steps: fit.steps, mse: r.mse, seconds: +secs.toFixed(2), liveBuffers: wg.stats().liveBuffers };
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${runs}</td><td>${PRESETS[targetName]?.label ?? targetName}</td><td>${fit.width}</td><td>${fit.steps}</td><td>${r.mse.toExponential(2)}</td>`;
    const body = $('runs').tBodies[0];
    body.prepend(tr);
    while (body.rows.length > 8) body.lastChild.remove();
    status(`width ${fit.width}: ${fit.steps} steps, final MSE ${r.mse.toExponential(2)} (this run ${secs.toFixed(1)} s)`);
    return summary;
  }

  // A newer restart stops the run under way and skips any still queued.
  function restart({ fresh: anew = false, reset = false } = {}) {
    const my = ++gen;
    running = running
      .then(async () => {
        if (my !== gen) return null;
        if (anew || reset || !fit || fit.width !== width()) fresh();
        if (reset) {
          fit.setTarget(target);
          const r = await fit.flush();
          view = { fit: r.fit, units: r.units, width: fit.width };
          draw();
          status(`width ${fit.width}: a fresh net, MSE ${r.mse.toExponential(2)}; press Train`);
          return null;
        }
        const s = await train(my, steps());
        if (s) report({ last: s, liveBuffers: s.liveBuffers });
        return s;
      })
      .catch((e) => {
        showError(e);
        return null;
      });
    return running;
  }

  for (const b of document.querySelectorAll('[data-preset]')) {
    b.addEventListener('click', () => {
      targetName = b.dataset.preset;
      target = Float64Array.from(XS, PRESETS[targetName].f);
      draw();
      restart({ fresh: true });
    });
  }
  $('width').addEventListener('input', () => ($('width-out').textContent = $('width').value));
  $('width').addEventListener('change', () => restart({ fresh: true }));
  $('train').addEventListener('click', () => restart());
  $('reset').addEventListener('click', () => restart({ reset: true }));
  $('units').addEventListener('change', draw);

  $('steps').value = quick ? 600 : 1000;
  draw();
  done({ default: await restart({ fresh: true }) });
});
