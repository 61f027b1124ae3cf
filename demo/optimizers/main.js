// The optimizer race page: the surface's heat map (evaluated once per surface on the GPU), six racers
// stepped together (race.js), their paths redrawn and their losses charted once per chunk of steps.
// Any change of a control restarts the race; the default run is Rosenbrock to completion.
import { start, done, report, status, showError, $ } from '../lib/page.js';
import { chunked } from '../lib/loop.js';
import { lineChart } from '../lib/chart.js';
import { heatmap, path } from '../lib/canvas.js';
import { SURFACES, RACERS, Race, surfaceGrid } from './race.js';

const GRID = [150, 125];
const M = { l: 46, r: 12, t: 10, b: 36 };

function niceTicks(lo, hi, n = 6) {
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-9 ? 0 : v);
  return out;
}

const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'diverged');
const fmtSci = (v) => (!Number.isFinite(v) ? 'diverged' : v === 0 ? '0' : v < 1e-3 || v >= 1e4 ? v.toExponential(1) : v.toPrecision(3));

start(async ({ wg }) => {
  const map = $('map');
  const W = map.width - M.l - M.r;
  const H = map.height - M.t - M.b;
  const plotArea = document.createElement('canvas');
  plotArea.width = W;
  plotArea.height = H;
  const chart = lineChart($('chart'), {
    title: 'f − f* per step (log scale)',
    xLabel: 'step',
    yLabel: 'f − f*',
    logY: true,
    height: 300,
    series: RACERS.map((r) => ({ label: r.label, color: r.key === 'sgd' ? '#333' : r.color, width: 2 })),
  });
  const rows = RACERS.map((r) => {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td class="name"><i style="background:${r.color}"></i>${r.label}</td><td></td><td></td><td></td><td></td>`;
    $('table').tBodies[0].append(tr);
    return tr.cells;
  });

  const surfaceCache = new Map();
  async function background(key) {
    if (!surfaceCache.has(key)) {
      const s = SURFACES[key];
      const values = await surfaceGrid(wg, s, ...GRID);
      heatmap(plotArea, values, ...GRID, { contours: 16 });
      const img = new OffscreenCanvas(W, H);
      img.getContext('2d').drawImage(plotArea, 0, 0);
      surfaceCache.set(key, img);
    }
    return surfaceCache.get(key);
  }

  function toPixel(s) {
    return ([x, y]) => [M.l + ((x - s.x[0]) / (s.x[1] - s.x[0])) * W, M.t + ((s.y[1] - y) / (s.y[1] - s.y[0])) * H];
  }

  function drawAxes(ctx, s) {
    const P = toPixel(s);
    ctx.fillStyle = '#333';
    ctx.strokeStyle = '#888';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of niceTicks(...s.x)) {
      const [px] = P([v, 0]);
      ctx.beginPath();
      ctx.moveTo(px, M.t + H);
      ctx.lineTo(px, M.t + H + 4);
      ctx.stroke();
      ctx.fillText(String(+v.toFixed(2)), px, M.t + H + 6);
    }
    ctx.fillText('x', M.l + W / 2, M.t + H + 20);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of niceTicks(...s.y)) {
      const [, py] = P([0, v]);
      ctx.beginPath();
      ctx.moveTo(M.l - 4, py);
      ctx.lineTo(M.l, py);
      ctx.stroke();
      ctx.fillText(String(+v.toFixed(2)), M.l - 6, py);
    }
    ctx.save();
    ctx.translate(12, M.t + H / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('y', 0, 0);
    ctx.restore();
  }

  function marker(ctx, [px, py], kind) {
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#000';
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    if (kind === 'start') {
      ctx.arc(px, py, 6, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    } else if (kind === 'saddle') {
      ctx.rect(px - 5, py - 5, 10, 10);
      ctx.fill();
      ctx.stroke();
    } else {
      for (const [w, c] of [[5, '#000'], [2.5, '#fff']]) {
        ctx.lineWidth = w;
        ctx.strokeStyle = c;
        ctx.beginPath();
        ctx.moveTo(px - 8, py);
        ctx.lineTo(px + 8, py);
        ctx.moveTo(px, py - 8);
        ctx.lineTo(px, py + 8);
        ctx.stroke();
      }
    }
  }

  function draw(s, img, trails, startPt) {
    const ctx = map.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, map.width, map.height);
    ctx.drawImage(img, M.l, M.t);
    drawAxes(ctx, s);
    const P = toPixel(s);
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.l, M.t, W, H);
    ctx.clip();
    trails.forEach((t, i) => {
      const pts = t.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
      path(map, pts, P, { color: 'rgba(0,0,0,0.55)', width: 4.5, dot: false });
      path(map, pts, P, { color: RACERS[i].color, width: 2, dot: true });
    });
    // Markers on top, so that the paths' first zig-zags do not hide the start.
    const mins = s.key === 'saddle' ? [s.min, [s.min[0], -s.min[1]]] : [s.min];
    for (const m of mins) marker(ctx, P(m), 'min');
    if (s.saddle) marker(ctx, P(s.saddle), 'saddle');
    marker(ctx, P(startPt), 'start');
    ctx.restore();
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.strokeRect(M.l + 0.5, M.t + 0.5, W - 1, H - 1);
  }

  const controls = {
    lr: (v) => (10 ** v).toFixed(2),
    momentum: (v) => v.toFixed(2),
    beta1: (v) => v.toFixed(2),
    beta2: (v) => v.toFixed(4),
    noise: (v) => v.toFixed(2),
  };
  const val = (id) => Number($(id).value);
  for (const [id, f] of Object.entries(controls)) {
    $(id).addEventListener('input', () => ($(`${id}-out`).textContent = f(val(id))));
    $(id).addEventListener('change', () => restart());
  }
  let startPt = null;
  $('surface').addEventListener('change', () => {
    startPt = null;
    $('steps').value = SURFACES[$('surface').value].steps;
    restart();
  });
  $('steps').addEventListener('change', () => restart());
  $('restart').addEventListener('click', () => restart());
  map.addEventListener('click', (e) => {
    const s = SURFACES[$('surface').value];
    const r = map.getBoundingClientRect();
    const px = ((e.clientX - r.left) * map.width) / r.width - M.l;
    const py = ((e.clientY - r.top) * map.height) / r.height - M.t;
    if (px < 0 || py < 0 || px > W || py > H) return;
    startPt = [s.x[0] + (px / W) * (s.x[1] - s.x[0]), s.y[1] - (py / H) * (s.y[1] - s.y[0])];
    restart();
  });

  let gen = 0;
  let races = 0;
  let running = Promise.resolve();

  /** One race with the current controls; resolves with its summary (null when a newer race replaced it). */
  async function race(id) {
    const key = $('surface').value;
    const s = { ...SURFACES[key], key };
    const steps = Math.max(1, Math.round(val('steps')) || s.steps);
    const from = startPt ?? s.start;
    const img = await background(key);
    if (id !== gen) return null;
    const opts = { lrScale: 10 ** val('lr'), momentum: val('momentum'), beta1: val('beta1'), beta2: val('beta2'), noise: val('noise'), start: from };
    const r = new Race(wg, s, opts);
    $('map-title').textContent = `${s.label}: ${s.note}`;
    $('formula').textContent = `${s.formula}, f* = ${+s.fStar.toFixed(3)} at (${s.min.map((v) => +v.toFixed(3)).join(', ')})${key === 'saddle' ? ' and (0, −√2)' : ''} · color: ${s.log ? `log(f − f* + ${s.log})` : 'f'}`;
    const trails = RACERS.map(() => []);
    const xs = [];
    const ys = RACERS.map(() => []);
    const t0 = performance.now();
    const absorb = (recs) => {
      for (const rec of recs) {
        xs.push(xs.length);
        rec.forEach(([x, y, f], i) => {
          trails[i].push([x, y]);
          const gap = f - s.fStar;
          ys[i].push(Number.isFinite(gap) ? Math.max(gap, 1e-9) : null);
        });
      }
    };
    const show = (last) => {
      draw(s, img, trails, from);
      chart.setData(xs, ...ys);
      last?.forEach(([x, y, f], i) => {
        const c = rows[i];
        c[1].textContent = r.lrs[i].toPrecision(2);
        c[2].textContent = `(${fmt(x, 3)}, ${fmt(y, 3)})`;
        c[3].textContent = fmtSci(f - s.fStar);
        const d = Math.min(...(key === 'saddle' ? [s.min, [s.min[0], -s.min[1]]] : [s.min]).map((m) => Math.hypot(x - m[0], y - m[1])));
        c[4].textContent = fmt(d, 3);
        c[4].classList.toggle('far', !(d < 0.1));
      });
    };
    try {
      await chunked(steps, () => r.step(), {
        budgetMs: 25,
        shouldStop: () => id !== gen,
        onChunk: async (i) => {
          const recs = await r.flush();
          if (id !== gen) return;
          absorb(recs);
          show(recs.at(-1));
          status(`${s.label}: step ${i}/${steps}`);
        },
      });
      if (id !== gen) return null;
      const fin = (await r.flush({ final: true })).at(-1);
      absorb([fin]);
      show(fin);
      const secs = (performance.now() - t0) / 1000;
      races++;
      const summary = {
        run: races,
        surface: key,
        steps,
        start: from,
        noise: opts.noise,
        seconds: +secs.toFixed(2),
        racers: RACERS.map((rc, i) => ({ key: rc.key, lr: r.lrs[i], final: fin[i].slice(0, 2), f: fin[i][2], gap: fin[i][2] - s.fStar, points: trails[i].length })),
      };
      return summary;
    } finally {
      r.dispose();
      if (id === gen) {
        report({ races, liveBuffers: wg.stats().liveBuffers });
      }
    }
  }

  // A newer restart stops the race under way (its id is no longer gen) and skips any still queued.
  function restart() {
    const my = ++gen;
    running = running.then(async () => {
      const summary = my === gen ? await race(my) : null;
      if (summary) {
        report({ last: summary });
        status(`${SURFACES[summary.surface].label}: ${summary.steps} steps in ${summary.seconds.toFixed(1)} s · live GPU buffers ${wg.stats().liveBuffers}`);
      }
      return summary;
    }).catch((e) => {
      showError(e);
      return null;
    });
    return running;
  }

  $('steps').value = SURFACES.rosenbrock.steps;
  done({ rosenbrock: await restart() });
});
