// report.html: one self-contained page per run that works offline. renderReport is a pure function
// from the run data (what session.mjs returns) and the uPlot sources to an HTML string; the data rides
// along as JSON, and a small inline script draws the curves, the misclassified digits and nothing else.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** uPlot's browser build and stylesheet, from node_modules, to inline. */
export function readUplot() {
  const dir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  return { js: readFileSync(join(dir, 'dist/uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(dir, 'dist/uPlot.min.css'), 'utf8') };
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
/** JSON safe inside <script>: no `</script>` or `<!--` can appear. */
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const pct = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
const fixed = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');

function confusionTable(confusion, names) {
  if (!confusion) return '<p>No confusion matrix (no test data).</p>';
  const head = names.map((n) => `<th title="predicted ${esc(n)}">${esc(n)}</th>`).join('');
  const rows = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((v, p) => {
      const a = (v / total).toFixed(3);
      const bg = t === p ? `rgba(34,139,34,${a})` : `rgba(200,40,40,${Math.min(1, 3 * v / total).toFixed(3)})`;
      return `<td style="background:${bg}" title="true ${esc(names[t])}, predicted ${esc(names[p])}: ${v}">${v}</td>`;
    });
    return `<tr><th title="true ${esc(names[t])}">${esc(names[t])}</th>${cells.join('')}</tr>`;
  });
  return `<table class="confusion"><thead><tr><th class="corner">true \\ predicted</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function metaTable(run) {
  const s = run.summary;
  const c = run.config;
  const rows = [
    ['dataset', `${c.dataset} (${run.trainSize} train / ${run.testSize} test)`],
    ['model', `${c.model}${c.arch ? ` (${c.arch})` : ''}, ${run.parameters.toLocaleString('en-US')} parameters`],
    ['runtime', s.runtime],
    ['adapter', `${s.adapter}${s.software ? ' (software rendering: no GPU)' : ''}`],
    ['optimizer', `${c.optimizer}, lr ${c.lr}${c.schedule === 'cosine' ? ' (cosine decay)' : ''}, weight decay ${c.weightDecay}`],
    ['batch size', c.batchSize],
    ['epochs', `${s.epochs} of ${c.epochs}${run.stopped ? ' (stopped early)' : ''}${run.restoredEpoch != null ? `, weights of epoch ${run.restoredEpoch + 1} restored` : ''}${c.earlyStopping != null ? `, early stopping patience ${c.earlyStopping}` : ''}`],
    ['dropout', c.dropout],
    ['augment', c.augment ? `shifts up to ${c.augment} px` : 'none'],
    ['seed', c.seed],
    ['steps', run.steps],
    ['time', `${fixed(s.seconds, 1)} s`],
    ['throughput', `${Math.round(s.samplesPerSecond).toLocaleString('en-US')} samples/s`],
    ['train accuracy', pct(s.trainAccuracy)],
    ['test accuracy', pct(s.testAccuracy)],
    ['test loss', fixed(s.testLoss, 4)],
    ['written', run.date ?? ''],
  ];
  return `<table class="meta">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:24px 0 8px}h2.first{margin-top:0}
.row{display:flex;gap:40px;flex-wrap:wrap}.meta th{text-align:left;padding:2px 12px 2px 0;color:#555;font-weight:600}
.confusion{border-collapse:collapse;font-size:12px}.confusion td,.confusion th{border:1px solid #ddd;padding:3px 6px;text-align:right;min-width:28px}
.confusion .corner{font-weight:400;color:#777}.grid{display:flex;flex-wrap:wrap;gap:8px}
.sample{text-align:center;font-size:11px}.sample canvas{width:56px;height:56px;image-rendering:pixelated;border:1px solid #ccc;display:block}
.bad{color:#b22}pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}`;

// Runs in the page: reads the JSON, draws two uPlot charts and the misclassified images.
const SCRIPT = `(() => {
  const run = JSON.parse(document.getElementById('run-data').textContent);
  const series = {};
  for (const r of run.scalars) (series[r.tag] ??= []).push([r.step, r.value]);
  function chart(el, tags, label) {
    const present = tags.filter((t) => series[t]);
    if (!present.length) { el.textContent = 'no data'; return; }
    const xs = [...new Set(present.flatMap((t) => series[t].map((p) => p[0])))].sort((a, b) => a - b);
    const data = [xs, ...present.map((t) => { const m = new Map(series[t]); return xs.map((x) => (m.has(x) && Number.isFinite(m.get(x)) ? m.get(x) : null)); })];
    const colors = { 'train/loss': '#1f77b4', 'test/loss': '#d62728', 'train/accuracy': '#1f77b4', 'test/accuracy': '#d62728' };
    new uPlot({ width: 520, height: 300, title: label, scales: { x: { time: false } }, axes: [{ label: 'step' }, { label }],
      series: [{ label: 'step' }, ...present.map((t) => ({ label: t, stroke: colors[t] || '#555', width: 2, spanGaps: true, points: { show: !t.startsWith('train/loss') } }))] }, data, el);
  }
  chart(document.getElementById('loss'), ['train/loss', 'test/loss'], 'loss');
  chart(document.getElementById('accuracy'), ['train/accuracy', 'test/accuracy'], 'accuracy');
  const [c, h, w] = run.inputShape;
  for (const cv of document.querySelectorAll('canvas[data-i]')) {
    const s = run.misclassified[+cv.dataset.i];
    const px = Uint8Array.from(atob(s.pixels), (ch) => ch.charCodeAt(0));
    cv.width = w; cv.height = h;
    const ctx = cv.getContext('2d');
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < w * h; i++) { const v = px[i]; img.data.set([v, v, v, 255], 4 * i); }
    ctx.putImageData(img, 0, 0);
  }
  window.__reportReady = true;
})();`;

/** The page for one run; `uplot` is {js, css} (readUplot() in Node). */
export function renderReport(run, uplot) {
  const names = run.classNames;
  const title = `webgrad: ${run.config.dataset} / ${run.config.model}`;
  const samples = run.misclassified
    .map((s, i) => `<div class="sample"><canvas data-i="${i}" title="test sample ${s.index}"></canvas><span>${esc(names[s.label])} → <span class="bad">${esc(names[s.pred])}</span></span></div>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${uplot.css}</style><style>${CSS}</style></head>
<body>
<h1>${esc(title)}: test accuracy ${pct(run.summary.testAccuracy)}</h1>
<div class="row"><div>${metaTable(run)}</div><div><h2 class="first">Confusion matrix (test)</h2>
${confusionTable(run.confusion, names)}</div></div>
<h2>Curves</h2>
<div class="row"><div id="loss"></div><div id="accuracy"></div></div>
<h2>Misclassified test samples (first ${run.misclassified.length}; true → predicted)</h2>
<div class="grid">${samples || '<p>None.</p>'}</div>
<h2>Model</h2>
<pre>${esc(run.modelText ?? '')}</pre>
<script type="application/json" id="run-data">${scriptJson(run)}</script>
<script>${uplot.js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
