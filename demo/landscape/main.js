// Loss landscape (Li et al. 2018): train a small net, keeping a copy of its weights every few steps,
// then evaluate the loss on a G×G grid of two planes through the trained weights (random
// filter-normalized directions, and the path's two principal directions) and draw the path on both.
import { start, done, status, $ } from '../lib/page.js';
import { lineChart } from '../lib/chart.js';
import { nextFrame } from '../lib/loop.js';
import { loadMnist } from '../lib/mnist.js';
import { paced } from '../lib/paced.js';
import * as S from './surface.js';
import { drawLandscape } from './draw.js';

const QUICK = { name: 'quick', n: 1024, hidden: 32, batch: 64, epochs: 10, snapEvery: 4, G: 21, evalN: 512, rowsPerPass: 7 };
const DEFAULT = { name: 'default', n: 2048, hidden: 64, batch: 64, epochs: 6, snapEvery: 4, G: 41, evalN: 1000, rowsPerPass: 4 };
const LR = 2e-3;
const RANGE = 1; // the random slice spans a, b in [-1, 1] (Li et al.)

const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** Summary numbers of a G×G grid (row 0 at the top, i.e. the largest b). */
function summarize(values, G, [ra, rb], path) {
  const c = (G - 1) >> 1;
  let min = Infinity;
  let at = 0;
  values.forEach((v, i) => v < min && ((min = v), (at = i)));
  const row = Math.floor(at / G);
  const col = at % G;
  const coord = (k, r) => -r + (2 * r * k) / (G - 1);
  const corners = [0, G - 1, G * (G - 1), G * G - 1].map((i) => values[i]);
  // The grid cell nearest the start of the path (the initial weights, when they lie in the plane).
  const [a0, b0] = path[0];
  const cell = (v, r) => Math.max(0, Math.min(G - 1, Math.round(((v + r) / (2 * r)) * (G - 1))));
  const startLoss = values[(G - 1 - cell(b0, rb)) * G + cell(a0, ra)];
  return { G, range: [ra, rb], center: values[c * G + c], startLoss, min, minAt: [coord(col, ra), coord(G - 1 - row, rb)], minCell: [row, col], corners, meanCorner: corners.reduce((a, b) => a + b, 0) / 4 };
}

start(async ({ wg, quick }) => {
  const cfg = quick ? QUICK : DEFAULT;
  status('Loading MNIST…');
  const { train } = await loadMnist({ flatten: true });
  const x = wg.slice(train.images, 0, 0, cfg.n);
  const y = wg.slice(train.labels, 0, 0, cfg.n);
  const xe = wg.slice(train.images, 0, 0, cfg.evalN);
  const ye = wg.slice(train.labels, 0, 0, cfg.evalN);
  const lossChart = lineChart($('loss'), { title: 'Training loss', xLabel: 'step', yLabel: 'cross-entropy', series: [{ label: 'train (mean since last point)' }], logY: true });
  $('setup').textContent = `Subset: the first ${cfg.n.toLocaleString()} of 8,000 training digits; a 784-${cfg.hidden}-10 ReLU net, Adam (lr ${LR}), batch ${cfg.batch}, ${cfg.epochs} epochs, the weights saved every ${cfg.snapEvery} steps. The loss on each ${cfg.G}×${cfg.G} grid is the mean cross-entropy on ${cfg.evalN} training digits.`;
  let state = null;
  let busy = false;
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(0);

  async function trainNet(seed) {
    wg.manualSeed(seed);
    const model = new wg.nn.Sequential(new wg.nn.Linear(784, cfg.hidden), new wg.nn.ReLU(), new wg.nn.Linear(cfg.hidden, 10));
    const optimizer = new wg.optim.Adam(model.parameters(), { lr: LR });
    const loader = new wg.data.DataLoader(new wg.data.TensorDataset(x, y), { batchSize: cfg.batch, shuffle: true, seed });
    const snaps = [wg.keep(S.flat(wg, model.parameters()))];
    let steps = 0;
    const curve = [[], []];
    const h = await wg.train.fit(model, {
      train: paced(loader, {
        onBatch: () => {
          if (++steps % cfg.snapEvery === 0) snaps.push(wg.keep(S.flat(wg, model.parameters())));
        },
      }),
      optimizer,
      loss: (o, t) => wg.nn.F.crossEntropy(o, t),
      epochs: cfg.epochs,
      logEvery: 8,
      callbacks: [
        {
          onLog: (step, logs) => {
            curve[0].push(step);
            curve[1].push(logs['train/loss']);
            lossChart.setData(...curve);
          },
          onEpochEnd: (epoch, logs) => status(`training: epoch ${epoch + 1}/${cfg.epochs}, loss ${fmt(logs['train/loss'])}, accuracy ${(100 * logs['train/accuracy']).toFixed(1)}% · ${secs()} s`),
        },
      ],
    });
    optimizer.dispose();
    if (steps % cfg.snapEvery !== 0) snaps.push(wg.keep(S.flat(wg, model.parameters())));
    const path = wg.keep(wg.stack(snaps, 0));
    snaps.forEach((t) => t.dispose());
    const theta = S.weightsOf(wg, model);
    const shapes = theta.map((t) => t.shape);
    model.dispose();
    return { theta, thetaFlat: wg.keep(S.flat(wg, theta)), shapes, path, steps, trainAccuracy: h.history['train/accuracy'].at(-1), trainLoss: h.history['train/loss'].at(-1) };
  }

  /** The loss on the G×G grid of the plane θ* + a·d + b·e, a in [-ra, ra], b in [-rb, rb]. */
  async function grid(theta, d, e, [ra, rb], label) {
    const G = cfg.G;
    const pl = S.plane(wg, theta, d, e, xe);
    const values = new Float32Array(G * G);
    const coord = (k, r) => -r + (2 * r * k) / (G - 1);
    try {
      for (let r0 = 0; r0 < G; r0 += cfg.rowsPerPass) {
        const rows = Math.min(cfg.rowsPerPass, G - r0);
        const as = [];
        const bs = [];
        for (let r = r0; r < r0 + rows; r++)
          for (let col = 0; col < G; col++) {
            as.push(coord(col, ra));
            bs.push(coord(G - 1 - r, rb));
          }
        const l = S.planeLosses(wg, pl, as, bs, ye);
        values.set(await l.data(), r0 * G);
        l.dispose();
        status(`${label}: ${Math.min(G, r0 + rows)}/${G} rows of the grid · ${secs()} s`);
        await nextFrame();
      }
    } finally {
      pl.dispose();
    }
    return values;
  }

  async function slices(net, dirSeed) {
    const { theta, thetaFlat, shapes, path } = net;
    // Random filter-normalized directions; the path projected by least squares.
    wg.manualSeed(dirSeed);
    const d = S.filterNormalizedDirection(wg, theta);
    const e = S.filterNormalizedDirection(wg, theta);
    const [df, ef] = [d, e].map((v) => wg.keep(S.flat(wg, v)));
    const randomPath = await S.project(wg, path, thetaFlat, df, ef);
    const rv = await grid(theta, d, e, [RANGE, RANGE], 'random slice');
    [...d, ...e, df, ef].forEach((t) => t.dispose());
    const random = { ...summarize(rv, cfg.G, [RANGE, RANGE], randomPath), path: randomPath };
    drawLandscape($('random'), rv, cfg.G, [RANGE, RANGE], randomPath, { x: 'a (direction d)', y: 'b (direction e)' });
    const len = Math.hypot(...randomPath[0]);
    $('random-note').textContent = `The path starts ${fmt(len, 3)} from θ* in these coordinates (the grid spans ±${RANGE}).`;
    await nextFrame();

    // The path's principal directions (unit vectors): the grid spans the path with a margin.
    const pca = await S.pathPCA(wg, path, thetaFlat);
    const pd = S.unflat(wg, pca.d, shapes);
    const pe = S.unflat(wg, pca.e, shapes);
    const span = [0, 1].map((k) => 1.25 * Math.max(...pca.coords.map((p) => Math.abs(p[k]))) || 1);
    const pv = await grid(theta, pd, pe, span, 'principal slice');
    [...pd, ...pe, pca.d, pca.e].forEach((t) => t.dispose());
    const principal = { ...summarize(pv, cfg.G, span, pca.coords), path: pca.coords, explained: pca.explained };
    drawLandscape($('pca'), pv, cfg.G, span, pca.coords, { x: `1st principal direction (${(100 * pca.explained[0]).toFixed(0)}% of the path's variance)`, y: `2nd (${(100 * pca.explained[1]).toFixed(0)}%)` });
    const further = principal.min < 0.9 * principal.center ? ' Beyond θ* the loss keeps falling along the path: training stopped before the bottom of this valley.' : '';
    $('pca-note').textContent = `Together the two directions explain ${(100 * (pca.explained[0] + pca.explained[1])).toFixed(0)}% of the variance of the ${path.shape[0]} saved weights; distances are in weight-space norm.${further}`;
    $('rows').innerHTML = [
      ['random', random],
      ['principal', principal],
    ]
      .map(([n, s]) => `<tr><td>${n}</td><td>${fmt(s.center)}</td><td>${fmt(s.min)}</td><td>(${fmt(s.minAt[0], 2)}, ${fmt(s.minAt[1], 2)})</td><td>${fmt(s.meanCorner)}</td></tr>`)
      .join('');
    return { random, principal };
  }

  async function run({ retrain }) {
    busy = true;
    $('again').disabled = $('retrain').disabled = true;
    try {
      if (retrain || !state) {
        if (state) [...state.theta, state.thetaFlat, state.path].forEach((t) => t.dispose());
        state = await trainNet(1 + Math.floor(Math.random() * 1000) * (retrain ? 1 : 0));
        state.dirSeed = 7;
      } else state.dirSeed++;
      const s = await slices(state, state.dirSeed);
      status(`done in ${secs()} s: loss at θ* ${fmt(s.random.center)}, random-slice minimum ${fmt(s.random.min)} at (${fmt(s.random.minAt[0], 2)}, ${fmt(s.random.minAt[1], 2)}), corners ${fmt(s.random.meanCorner)} on average`);
      return s;
    } finally {
      busy = false;
      $('again').disabled = $('retrain').disabled = false;
    }
  }
  $('again').onclick = () => !busy && run({ retrain: false });
  $('retrain').onclick = () => !busy && run({ retrain: true });

  const s = await run({ retrain: false });
  const strip = ({ path, ...rest }) => ({ ...rest, pathPoints: path.length, first: path[0], last: path[path.length - 1] });
  done({ run: cfg.name, grid: cfg.G, steps: state.steps, trainAccuracy: state.trainAccuracy, random: strip(s.random), principal: strip(s.principal), seconds: (performance.now() - t0) / 1000, liveBuffers: wg.stats().liveBuffers });
});
