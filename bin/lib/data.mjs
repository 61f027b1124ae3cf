// Datasets for the CLI, resident on the GPU: each split is a wg.data.TensorDataset of images
// [N, 1, 28, 28] float32 and labels [N] int32, uploaded once, so a wg.data.DataLoader gathers every
// batch on the GPU (one permutation upload per shuffled epoch, no per-batch upload). Runtime-agnostic
// (imported by Node, by the Chromium page and by Deno): no file system here.
//   synthetic             generated 28x28 images of 10 classes (blobs around per-class prototypes)
//   mnist, fashion-mnist  wg.data.mnist / wg.data.fashionMnist, standardized with the training split's
//                         mean and std; in a browser the files come from URLs (cfg.mnistUrl, cfg.dataDir)
const SIDE = 28;

/** A seeded uniform generator (mulberry32) for data, shuffling and sample picks. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/**
 * Ten classes, each a prototype of three Gaussian bumps at random places; a sample is its class's
 * prototype shifted by up to 3 pixels, scaled, with pixel noise. Learnable, but not in one step.
 */
export function synthetic({ n = 2500, seed = 0 } = {}) {
  const r = rng(seed * 7919 + 17);
  const classes = 10;
  const protos = Array.from({ length: classes }, () => Array.from({ length: 3 }, () => ({ cx: 5 + r() * 18, cy: 5 + r() * 18, s: 2 + r() * 3 })));
  const x = new Float32Array(n * SIDE * SIDE);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * classes);
    y[i] = c;
    const dx = (r() - 0.5) * 6;
    const dy = (r() - 0.5) * 6;
    const k = 0.7 + 0.6 * r();
    for (let py = 0; py < SIDE; py++)
      for (let px = 0; px < SIDE; px++) {
        let v = 0;
        for (const b of protos[c]) v += Math.exp(-((px - b.cx - dx) ** 2 + (py - b.cy - dy) ** 2) / (2 * b.s * b.s));
        x[i * SIDE * SIDE + py * SIDE + px] = Math.min(1, Math.max(0, k * v + 0.25 * gauss(r)));
      }
  }
  return { x, y, n };
}

const FASHION = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The first `n` samples of a TensorDataset (views of its tensors; the original's are released). */
function firstN(wg, ds, n) {
  if (n == null || n >= ds.length) return ds;
  const out = new wg.data.TensorDataset(...ds.tensors.map((t) => wg.slice(t, 0, 0, n)));
  ds.dispose();
  return out;
}

async function builtin(wg, name, split, { dataDir, mnistUrl }) {
  const opts = { split, normalize: true };
  if (name === 'mnist') return wg.data.mnist(mnistUrl ? { ...opts, url: mnistUrl } : opts);
  return wg.data.fashionMnist(dataDir ? { ...opts, dataDir } : opts);
}

/**
 * {name, inputShape, numClasses, classNames, train, test, mean, std, dispose()}: train and test are
 * GPU TensorDatasets [images, labels]; `mean`/`std` undo the standardization for display.
 */
export async function loadDataset(wg, { dataset, seed = 0, limit = null, dataDir = null, mnistUrl = null }) {
  let train, test, classNames, mean = 0, std = 1;
  if (dataset === 'synthetic') {
    const all = synthetic({ n: 2500, seed });
    const f = SIDE * SIDE;
    const make = (from, to) =>
      new wg.data.TensorDataset(wg.tensor(all.x.slice(from * f, to * f), { shape: [to - from, 1, SIDE, SIDE] }), wg.tensor(all.y.slice(from, to), { dtype: 'int32' }));
    train = make(0, 2000);
    test = make(2000, 2500);
    classNames = Array.from({ length: 10 }, (_, i) => `class ${i}`);
  } else {
    train = await builtin(wg, dataset, 'train', { dataDir, mnistUrl });
    try {
      test = await builtin(wg, dataset, 'test', { dataDir, mnistUrl });
    } catch (e) {
      train.dispose();
      throw e;
    }
    ({ mean, std } = train);
    classNames = dataset === 'fashion-mnist' ? FASHION : [...train.classes];
  }
  train = firstN(wg, train, limit);
  test = firstN(wg, test, limit == null ? null : Math.max(1, Math.ceil(limit / 4)));
  return {
    name: dataset,
    inputShape: [1, SIDE, SIDE],
    numClasses: classNames.length,
    classNames,
    train,
    test,
    mean,
    std,
    dispose() {
      train.dispose();
      test.dispose();
    },
  };
}

/**
 * A DataLoader over a resident split; with `shuffle`, each epoch draws a new seeded order. `augment`
 * (pixels) shifts each training image by a random offset in [-augment, augment] on both axes, filling
 * with the background value `fill`: all on the GPU (randint, pad, gather), no upload.
 */
export function batches(wg, ds, batchSize, { shuffle = false, seed = 0, augment = 0, fill = 0 } = {}) {
  const opts = { batchSize, shuffle, seed };
  if (augment > 0) opts.transform = ([x, y]) => [shifted(wg, x, augment, fill), y];
  return new wg.data.DataLoader(ds, opts);
}

/** x [m, C, H, W] moved by a per-sample random (dy, dx) in [-s, s]^2; uncovered pixels get `fill`. */
function shifted(wg, x, s, fill) {
  const [m, c, h, w] = x.shape;
  const P = w + 2 * s;
  const padded = wg.reshape(wg.pad(x, [s, s, s, s], { value: fill }), [m, c, (h + 2 * s) * P]);
  // Source pixel of output (r, q) is padded (r + dy, q + dx): index r*P + q + (dy*P + dx).
  const rows = wg.mul(wg.arange(0, h, 1, { dtype: 'int32' }), P);
  const base = wg.add(wg.reshape(rows, [h, 1]), wg.reshape(wg.arange(0, w, 1, { dtype: 'int32' }), [1, w]));
  const offset = wg.add(wg.mul(wg.randint(0, 2 * s + 1, [m]), P), wg.randint(0, 2 * s + 1, [m]));
  const index = wg.add(wg.reshape(offset, [m, 1, 1]), wg.reshape(base, [1, 1, h * w]));
  return wg.reshape(wg.gather(padded, 2, wg.expand(index, [m, c, h * w])), [m, c, h, w]);
}

/**
 * 8-bit pixels of the test samples at `indices` (one gather on the GPU, one readback), un-standardized
 * for display: a Uint8Array per sample.
 */
export async function pixelsOf(wg, data, indices) {
  if (!indices.length) return [];
  const images = data.test.tensors[0];
  const f = images.shape.slice(1).reduce((p, q) => p * q, 1);
  const idx = wg.tensor(Int32Array.from(indices), { dtype: 'int32' });
  const rows = wg.indexSelect(images, 0, idx);
  try {
    const v = await rows.data();
    return indices.map((_, k) => Uint8Array.from(v.subarray(k * f, (k + 1) * f), (x) => Math.round(Math.min(1, Math.max(0, x * data.std + data.mean)) * 255)));
  } finally {
    idx.dispose();
    rows.dispose();
  }
}
