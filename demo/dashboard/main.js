// The training dashboard: runs trained in the tab (wg.train.fit + ScalarLogger → memorySink) and runs
// loaded from scalars.jsonl files share one store and one set of TensorBoard-style charts; the drawing
// pad classifies a digit with the latest trained model. `window.__dashboard` lets the end-to-end test
// drive the pad and read what the page computed.
import { start, done, report, status, $ } from '../lib/page.js';
import { loadMnist, mnistArrays } from '../lib/mnist.js';
import { RunStore, TAGS, csvText, jsonlText, lastValue, parseScalars, series } from './runs.js';
import { TagChart } from './charts.js';
import { DrawingPad, showInput } from './pad.js';
import { MODELS, classify, predictTest, trainRun } from './trainer.js';

const TITLES = {
  'train/loss': ['train/loss', 'cross-entropy', null],
  'test/loss': ['test/loss', 'cross-entropy', null],
  'train/accuracy': ['train/accuracy (per epoch)', 'accuracy', [0, 1]],
  'test/accuracy': ['test/accuracy', 'accuracy', [0, 1]],
  lr: ['lr (not smoothed)', 'learning rate (×10⁻³)', null, 1000, false],
};

const fmt = (v, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const fileName = (name, ext) => `${name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '')}.${ext}`;

start(async ({ wg, quick }) => {
  const defaults = quick ? { model: 'mlp', epochs: 2, lr: 0.002, batchSize: 64, samples: 3000 } : { model: 'mlp', epochs: 3, lr: 0.002, batchSize: 128, samples: 8000 };
  $('model').value = defaults.model;
  $('epochs').value = defaults.epochs;
  $('lr').value = defaults.lr;
  $('bs').value = defaults.batchSize;
  $('samples').value = defaults.samples;

  // Long main-thread tasks (> 50 ms), to report how responsive the page stayed while training.
  const tasks = [];
  try {
    new PerformanceObserver((l) => tasks.push(...l.getEntries().map((e) => [e.startTime, e.duration]))).observe({ type: 'longtask', buffered: true });
  } catch {}
  const longest = (from, to) => Math.round(Math.max(0, ...tasks.filter(([t]) => t >= from && t <= to).map(([, d]) => d)));

  status('Loading MNIST (8,000 train / 2,000 test digits) onto the GPU…');
  const data = await loadMnist({ normalize: true });
  const testCpu = await mnistArrays('test');
  const { mean, std } = data.train;

  const store = new RunStore();
  const charts = TAGS.map((tag) => {
    const [title, yLabel, yRange, scale, smoothed] = TITLES[tag];
    return new TagChart($(`chart-${tag.replace('/', '-')}`), { tag, title, yLabel, yRange, scale, smoothed });
  });
  const view = () => ({ xMode: $('xmode').value, smoothing: Number($('smoothing').value) });

  let queued = false;
  const render = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(renderNow);
    setTimeout(renderNow, 100);
  };
  function renderNow() {
    if (!queued) return;
    queued = false;
    const visible = store.visible();
    for (const c of charts) c.render(visible, view());
    const rows = store.runs.map((r, i) => {
      const steps = Math.max(0, ...r.records.map((x) => x.step));
      const hidden = !visible.includes(r);
      return `<tr class="${hidden ? 'hidden' : ''}" data-run="${i}"><td class="name"><i style="background:${r.color}"></i>${escape(r.name)}</td>
        <td class="info">${escape(r.info)}</td><td class="status">${escape(r.status)}</td><td>${steps}</td>
        <td>${fmt(lastValue(r, 'train/loss'))}</td><td>${fmt(lastValue(r, 'test/loss'))}</td><td>${pct(lastValue(r, 'test/accuracy'))}</td>
        <td><button data-get="csv">CSV</button> <button data-get="jsonl">JSONL</button></td></tr>`;
    });
    $('runs').tBodies[0].innerHTML = rows.join('') || '<tr><td colspan="8">no runs yet</td></tr>';
    $('shown').textContent = store.runs.length ? `(${visible.length} of ${store.runs.length} shown)` : '';
  }

  // Downloads: the text is built from the records by wg.train.toCsv / toJsonl.
  const api = {
    lastDownload: null,
    runs: () => store.runs.map((r) => ({ name: r.name, source: r.source, status: r.status, records: r.records.length, steps: Math.max(0, ...r.records.map((x) => x.step)), visible: store.visible().includes(r) })),
    // Charts redraw on the next frame; tests wait for pending() to clear before reading them.
    pending: () => queued,
    chartPoints: () => Object.fromEntries(charts.map((c) => [c.tag, c.drawn])),
    xLabels: () => Object.fromEntries(charts.map((c) => [c.tag, c.chart?.plot.axes[0].label])),
    csv: (name) => csvText(store.runs.find((r) => r.name === name)),
    jsonl: (name) => jsonlText(store.runs.find((r) => r.name === name)),
  };
  window.__dashboard = api;
  function download(run, kind) {
    const text = kind === 'csv' ? csvText(run) : jsonlText(run);
    const name = fileName(run.name, kind);
    api.lastDownload = { run: run.name, kind, name, text };
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: kind === 'csv' ? 'text/csv' : 'application/x-ndjson' }));
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
  $('runs').addEventListener('click', (e) => {
    const kind = e.target.closest('button')?.dataset.get;
    const row = e.target.closest('tr[data-run]');
    if (kind && row) download(store.runs[Number(row.dataset.run)], kind);
  });

  $('smoothing').addEventListener('input', () => {
    $('smoothing-out').textContent = Number($('smoothing').value).toFixed(2);
    render();
  });
  $('xmode').addEventListener('change', render);
  $('filter').addEventListener('input', () => {
    $('filter').classList.toggle('bad', !store.setFilter($('filter').value));
    report({ runsShown: store.visible().length });
    render();
  });

  // Loading scalars.jsonl: the file input and drag-and-drop anywhere on the page.
  async function loadFiles(files) {
    const msg = $('load-msg');
    const loaded = [];
    try {
      for (const f of files) {
        const records = parseScalars(await f.text(), f.name);
        const tags = new Set(records.map((r) => r.tag));
        const run = store.add({ name: f.name.replace(/\.jsonl?$/i, ''), source: 'file', records, info: `${f.name}: ${records.length} records, ${tags.size} tags` });
        loaded.push(run.name);
      }
      msg.className = '';
      msg.textContent = loaded.length ? `Loaded ${loaded.join(', ')}.` : '';
    } catch (e) {
      msg.className = 'error';
      msg.textContent = e.message;
    }
    report({ runsTotal: store.runs.length, runsShown: store.visible().length, loaded });
    render();
  }
  $('file').addEventListener('change', async () => {
    await loadFiles([...$('file').files]);
    $('file').value = '';
  });
  let depth = 0;
  document.addEventListener('dragenter', (e) => (e.preventDefault(), depth++, document.body.classList.add('dragging')));
  document.addEventListener('dragleave', () => --depth <= 0 && ((depth = 0), document.body.classList.remove('dragging')));
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('dragging');
    if (e.dataTransfer?.files?.length) loadFiles([...e.dataTransfer.files]);
  });

  // The drawing pad and its 10 bars.
  let model = null;
  let modelName = '';
  $('bars').innerHTML = Array.from({ length: 10 }, () => '<div><em></em><span style="height:0"></span></div>').join('');
  $('barlabels').innerHTML = Array.from({ length: 10 }, (_, d) => `<span>${d}</span>`).join('');
  const pad = new DrawingPad($('pad'), { onChange: () => classifyPad(), onStroke: () => classifyPad() });
  showInput($('pad-input'), null);
  let busy = null;
  let again = false;
  async function classifyPad(caption = '') {
    if (busy) {
      again = true;
      return busy;
    }
    busy = (async () => {
      const input = pad.input();
      showInput($('pad-input'), input);
      if (!input || !model) {
        $('pred').textContent = model ? 'Draw with the mouse or a finger.' : 'Train a run first (the pad uses the latest trained model).';
        drawBars(null);
        return null;
      }
      const x = Float32Array.from(input, (v) => (v - mean) / std);
      const probs = await classify(model, x);
      const pred = probs.indexOf(Math.max(...probs));
      $('pred').innerHTML = `${caption ? `${escape(caption)}: ` : ''}the model says <b>${pred}</b> (${pct(probs[pred])})`;
      drawBars(probs, pred);
      return { pred, probs };
    })();
    try {
      return await busy;
    } finally {
      busy = null;
      if (again) (again = false), classifyPad();
    }
  }
  function drawBars(probs, top = -1) {
    [...$('bars').children].forEach((d, i) => {
      d.className = i === top ? 'top' : '';
      d.querySelector('span').style.height = `${probs ? 100 * probs[i] : 0}%`;
      d.querySelector('em').textContent = probs && probs[i] >= 0.01 ? `${Math.round(100 * probs[i])}` : '';
    });
  }
  const testDigit = (i) => ({ pixels: Array.from(testCpu.pixels.subarray(i * 784, (i + 1) * 784)), label: testCpu.labels[i] });
  let sampleIndex = 0;
  async function showTestDigit(i) {
    const { pixels, label } = testDigit(i);
    pad.clear();
    pad.drawDigit(pixels);
    return classifyPad(`test digit #${i} (a ${label})`);
  }
  $('clear').addEventListener('click', () => {
    pad.clear();
    classifyPad();
  });
  $('sample').addEventListener('click', () => showTestDigit((sampleIndex = (sampleIndex + 1) % testCpu.labels.length)));
  Object.assign(api, {
    testDigit,
    drawDigit: (pixels) => (pad.clear(), pad.drawDigit(pixels)),
    clearPad: () => pad.clear(),
    classify: () => classifyPad(),
    padInput: () => Array.from(pad.input() ?? []),
    predictTest: (indices) => predictTest(model, data.test, indices),
  });

  // Training runs.
  let counter = 0;
  let stopRequested = false;
  async function train(cfg) {
    counter++;
    const name = `${cfg.model}-lr${cfg.lr}-bs${cfg.batchSize} #${counter}`;
    const samples = Math.min(cfg.samples, data.train.length);
    const subset = samples < data.train.length ? ` (a subset of ${data.train.length})` : '';
    const sink = wg.train.memorySink();
    const run = store.add({ name, source: 'page', records: sink.records, info: `${MODELS[cfg.model].label}, ${samples} train samples${subset}, ${cfg.epochs} epoch${cfg.epochs > 1 ? 's' : ''}` });
    $('subset-note').textContent = `${run.name}: ${samples} of the ${data.train.length} training digits${subset ? ' (a subset, to keep the run short)' : ''}; test metrics on all ${data.test.length} test digits.`;
    stopRequested = false;
    $('train').disabled = true;
    $('stop').disabled = false;
    run.status = 'training';
    const t0 = performance.now();
    const live0 = wg.stats().liveBuffers;
    let out;
    try {
      out = await trainRun(data, { ...cfg, samples, seed: counter, logEvery: 5, evalsPerEpoch: 5 }, {
        sink,
        stop: () => stopRequested,
        onUpdate: ({ step, epoch }) => {
          run.status = `epoch ${Math.min(epoch + 1, cfg.epochs)}/${cfg.epochs}`;
          status(`${run.name}: epoch ${Math.min(epoch + 1, cfg.epochs)} of ${cfg.epochs}, step ${step}, test accuracy ${pct(lastValue(run, 'test/accuracy'))} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
          render();
        },
      });
    } catch (e) {
      run.status = 'failed';
      render();
      throw e;
    } finally {
      $('train').disabled = false;
      $('stop').disabled = true;
    }
    const seconds = (performance.now() - t0) / 1000;
    const longTasks = tasks.filter(([t]) => t >= t0).map(([, d]) => Math.round(d));
    run.status = out.result.stopped || stopRequested ? `stopped, ${seconds.toFixed(0)} s` : `done, ${seconds.toFixed(0)} s`;
    model?.dispose();
    model = out.model;
    modelName = run.name;
    $('pad-model').textContent = modelName;
    classifyPad();
    status(`${run.name}: ${out.result.steps} steps in ${seconds.toFixed(1)} s, test accuracy ${pct(out.result.evaluation?.accuracy)}. Press Train for another run, or draw a digit.`);
    render();
    return { run, out, seconds, liveBuffersBefore: live0, t0, longTasks };
  }
  const readCfg = () => ({ model: $('model').value, epochs: Math.max(1, Math.round(Number($('epochs').value) || 1)), lr: Number($('lr').value) || 0.002, batchSize: Math.max(1, Math.round(Number($('bs').value) || 64)), samples: Math.max(64, Math.round(Number($('samples').value) || 8000)) });
  $('train').addEventListener('click', () => train(readCfg()).catch((e) => status(`Error: ${e.message}`)));
  $('stop').addEventListener('click', () => (stopRequested = true));

  render();
  const first = await train(defaults);
  const padResult = await showTestDigit(0);
  const points = (tag) => {
    const s = series(first.run, tag, 'step');
    return s.x.map((step, i) => ({ step, value: s.y[i] }));
  };
  done({
    run: first.run.name,
    seconds: first.seconds,
    samples: first.out.samples,
    steps: first.out.result.steps,
    testAccuracy: points('test/accuracy'),
    trainAccuracy: points('train/accuracy'),
    trainLoss: points('train/loss'),
    finalTestAccuracy: first.out.result.evaluation?.accuracy,
    pad: { index: 0, label: testCpu.labels[0], pred: padResult?.pred, probs: padResult?.probs },
    runsTotal: store.runs.length,
    runsShown: store.visible().length,
    longestTaskMs: longest(first.t0, first.t0 + 1000 * first.seconds),
    longTasks: first.longTasks.slice(0, 40),
    longestTaskLoadingMs: longest(0, first.t0),
    liveBuffers: { before: first.liveBuffersBefore, after: wg.stats().liveBuffers },
  });
});

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
