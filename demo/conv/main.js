// Convolution: fixed and user-edited 3×3 kernels on an MNIST digit (one wg.conv2d each, zero padded),
// then a small CNN trained in the page, whose first-layer filters and feature maps are drawn. What the
// end-to-end check compares against its own CPU correlation is exposed on window.__conv.
import { $, done, quick, report, start, status } from '../lib/page.js';
import { chunked, nextFrame } from '../lib/loop.js';
import { lineChart } from '../lib/chart.js';
import { imageGrid } from '../lib/canvas.js';
import { loadMnist, mnistArrays } from '../lib/mnist.js';

const FIXED = {
  laplace: [0, 1, 0, 1, -4, 1, 0, 1, 0],
  sobelX: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
  sobelY: [-1, -2, -1, 0, 0, 0, 1, 2, 1],
};
const SCALE = 5;
const q = new URLSearchParams(location.search);
const TRAIN_N = Number(q.get('train')) || (quick ? 2400 : 8000);
const EPOCHS = Number(q.get('epochs')) || (quick ? 1 : 2);
const TEST_N = quick ? 1000 : 2000;
const BATCH = 16;

const exposed = (window.__conv = { version: 0 });

function kernelInputs(initial) {
  const box = $('kernel');
  const inputs = initial.map((v, i) => {
    const el = Object.assign(document.createElement('input'), { type: 'number', step: '0.5', value: String(v), id: `k${i}` });
    el.setAttribute('aria-label', `kernel row ${Math.floor(i / 3) + 1} column ${(i % 3) + 1}`);
    box.append(el);
    return el;
  });
  return { inputs, read: () => inputs.map((el) => el.valueAsNumber) };
}

/** The three fixed filters and |∇| on one digit: one conv2d with three output channels. */
async function fixedFilters(wg, pixels) {
  const out = wg.tidy(() => {
    const x = wg.tensor(pixels, { shape: [1, 1, 28, 28] });
    const w = wg.tensor([...FIXED.laplace, ...FIXED.sobelX, ...FIXED.sobelY], { shape: [3, 1, 3, 3] });
    const y = wg.conv2d(x, w, { padding: 1 }).reshape([3, 784]);
    const mag = wg.sqrt(y.narrow(0, 1, 2).square().sum(0, true));
    return wg.cat([y, mag], 0);
  });
  const d = await out.data();
  out.dispose();
  return { laplace: d.slice(0, 784), sobelX: d.slice(784, 1568), sobelY: d.slice(1568, 2352), magnitude: d.slice(2352) };
}

async function customFilter(wg, pixels, kernel) {
  const out = wg.tidy(() => wg.conv2d(wg.tensor(pixels, { shape: [1, 1, 28, 28] }), wg.tensor(kernel, { shape: [1, 1, 3, 3] }), { padding: 1 }));
  const d = await out.data();
  out.dispose();
  return d;
}

function laplaceStats(lap, pixels) {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let brightest = 0;
  for (let i = 0; i < 784; i++) {
    sum += lap[i];
    min = Math.min(min, lap[i]);
    max = Math.max(max, lap[i]);
    if (pixels[i] > pixels[brightest]) brightest = i;
  }
  const at = [brightest, 14 * 28 + 14, 0].map((i) => ({ row: Math.floor(i / 28), col: i % 28, value: lap[i] }));
  return { sum, min, max, at };
}

const draw = (id, data, signed) => imageGrid($(id), data, 1, 28, 28, { cols: 1, scale: SCALE, gap: 0, signed });

function cnn(wg) {
  const { nn } = wg;
  const conv1 = new nn.Conv2d(1, 8, 5);
  const model = new nn.Sequential(conv1, new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(8, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(256, 10));
  return { conv1, model };
}

start(async ({ wg }) => {
  wg.manualSeed(0);
  const tStart = performance.now();
  status('Loading MNIST…');
  const [{ pixels, labels }, { train, test }] = await Promise.all([mnistArrays('test'), loadMnist({ normalize: true })]);
  const digit = (i) => pixels.subarray(i * 784, (i + 1) * 784);
  const kernel = kernelInputs([0, -1, 0, -1, 5, -1, 0, -1, 0]);
  let index = 0;
  let net = null; // set once the CNN has trained: its feature maps follow the digit

  async function showFeatures() {
    if (!net) return;
    const maps = wg.tidy(() => wg.noGrad(() => wg.relu(net.conv1(test.images.narrow(0, index, 1)))));
    const d = await maps.data();
    maps.dispose();
    imageGrid($('features'), d, 8, 24, 24, { cols: 8, scale: 4, gap: 6, labels: Array.from({ length: 8 }, (_, i) => `filter ${i + 1}`) });
    return d;
  }

  // Edits arrive faster than the GPU answers on a slow adapter; updates run one at a time, newest wins.
  let busy = null;
  let again = false;
  async function update() {
    if (busy) return void (again = true);
    exposed.busy = true;
    busy = (async () => {
      do {
        again = false;
        const k = kernel.read();
        const x = digit(index);
        const bad = k.some((v) => !Number.isFinite(v));
        $('kernel-error').textContent = bad ? 'Every entry must be a number.' : '';
        if (bad) continue;
        const [fixed, custom] = await Promise.all([fixedFilters(wg, x), customFilter(wg, x, k)]);
        draw('input', x, false);
        draw('laplace', fixed.laplace, true);
        draw('sobelx', fixed.sobelX, true);
        draw('sobely', fixed.sobelY, true);
        draw('magnitude', fixed.magnitude, false);
        draw('custom', custom, !k.every((v) => v >= 0));
        $('digit-label').textContent = `label ${labels[index]}`;
        const st = laplaceStats(fixed.laplace, x);
        $('laplace-stats').textContent = `Laplace output: sum ${(Math.abs(st.sum) < 5e-5 ? 0 : st.sum).toFixed(4)} (0 up to rounding: the kernel sums to 0 and the digit's border is blank), min ${st.min.toFixed(3)}, max ${st.max.toFixed(3)}.`;
        Object.assign(exposed, { index, label: labels[index], input: Array.from(x), ...Object.fromEntries(Object.entries(fixed).map(([k2, v]) => [k2, Array.from(v)])), custom: Array.from(custom), kernel: k, laplaceStats: st, version: exposed.version + 1 });
        await showFeatures();
        exposed.liveBuffers = wg.stats().liveBuffers;
      } while (again);
    })();
    try {
      await busy;
    } finally {
      busy = null;
      exposed.busy = false;
    }
  }
  for (const el of kernel.inputs) el.addEventListener('input', update);
  for (const b of document.querySelectorAll('.presets button'))
    b.addEventListener('click', () => {
      const s = Number(b.dataset.scale ?? 1);
      b.dataset.k.split(',').forEach((v, i) => (kernel.inputs[i].value = String(Number(v) / s === Math.round(Number(v) / s) ? Number(v) / s : (Number(v) / s).toFixed(4))));
      update();
    });
  const go = (i) => {
    index = Math.min(1999, Math.max(0, i));
    $('index').value = String(index);
    update();
  };
  $('index').addEventListener('change', () => Number.isFinite($('index').valueAsNumber) && go($('index').valueAsNumber));
  $('prev').addEventListener('click', () => go(index - 1));
  $('next').addEventListener('click', () => go(index + 1));
  await update();
  const loadSeconds = (performance.now() - tStart) / 1000;
  const lap = laplaceStats(exposed.laplace, digit(index));
  report({ digit: { index, label: labels[index] }, laplace: lap });

  // The CNN.
  const { conv1, model } = cnn(wg);
  const opt = new wg.optim.Adam(model.parameters(), { lr: 3e-3 });
  const drawFilters = async () => imageGrid($('filters'), await conv1.weight.data(), 8, 5, 5, { cols: 8, scale: 12, gap: 6, signed: true });
  await drawFilters();
  imageGrid($('filters0'), await conv1.weight.data(), 8, 5, 5, { cols: 8, scale: 6, gap: 4, signed: true });
  const chart = lineChart($('loss'), { title: '', xLabel: 'samples seen', yLabel: 'cross-entropy', series: [{ label: 'loss (batch)' }], width: 460, height: 240 });
  const xs = [];
  const ys = [];
  const perEpoch = Math.floor(Math.min(TRAIN_N, train.labels.shape[0]) / BATCH);
  const total = perEpoch * EPOCHS;
  $('train-n').textContent = `${(perEpoch * BATCH).toLocaleString('en')}${EPOCHS > 1 ? ` (${EPOCHS} epochs)` : ''}`;
  let last = null;
  const t0 = performance.now();
  await chunked(
    total,
    (i) => {
      const s = (i % perEpoch) * BATCH;
      last?.dispose();
      last = wg.tidy(() => {
        opt.zeroGrad();
        const loss = wg.nn.F.crossEntropy(model(train.images.narrow(0, s, BATCH)), train.labels.narrow(0, s, BATCH));
        loss.backward();
        opt.step();
        return loss.detach();
      });
    },
    {
      budgetMs: 25,
      onChunk: async (i) => {
        xs.push(i * BATCH);
        ys.push(await last.item());
        chart.setData(xs, ys);
        await drawFilters();
        $('seen').textContent = (i * BATCH).toLocaleString('en');
        $('last-loss').textContent = ys[ys.length - 1].toFixed(3);
        status(`Training the CNN: step ${i} of ${total}, loss ${ys[ys.length - 1].toFixed(3)}`);
      },
    },
  );
  last?.dispose();
  const trainSeconds = (performance.now() - t0) / 1000;
  $('train-time').textContent = `${trainSeconds.toFixed(1)} s`;

  // Test accuracy: correct predictions summed on the GPU, read once.
  status('Evaluating on the test digits…');
  const tEval = performance.now();
  const TB = 50;
  let correct = wg.zeros([]);
  await chunked(TEST_N / TB, (j) => {
    const next = wg.tidy(() => wg.noGrad(() => correct.add(model(test.images.narrow(0, j * TB, TB)).argmax(1).eq(test.labels.narrow(0, j * TB, TB)).float().sum())));
    correct.dispose();
    correct = next;
  });
  const accuracy = (await correct.item()) / TEST_N;
  correct.dispose();
  const evalSeconds = (performance.now() - tEval) / 1000;
  $('accuracy').textContent = `${(100 * accuracy).toFixed(1)}% of ${TEST_N.toLocaleString('en')}`;
  net = { conv1 };
  await showFeatures();
  await nextFrame();
  status(`Done: the CNN reached ${(100 * accuracy).toFixed(1)}% test accuracy after ${(total * BATCH).toLocaleString('en')} samples in ${trainSeconds.toFixed(0)} s.`);
  done({ accuracy, filters: conv1.weight.shape[0], filterShape: conv1.weight.shape, steps: total, samples: total * BATCH, trainSeconds, loadSeconds, evalSeconds, finalLoss: ys[ys.length - 1], liveBuffers: wg.stats().liveBuffers });
});
