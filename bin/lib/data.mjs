// Datasets for the CLI, as CPU arrays that batches() uploads one batch at a time. Runtime-agnostic
// (imported by Node, by the Chromium page and by Deno): no file system here.
//   synthetic       generated 28x28 images of 10 classes (blobs around per-class prototypes)
//   mnist, fashion-mnist  through wg.data (src/data), which the lead wires after merging; see loadBuiltin
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

function split(d, from, to) {
  const f = SIDE * SIDE;
  return { x: d.x.subarray(from * f, to * f), y: d.y.subarray(from, to), n: to - from };
}

function limited(s, limit) {
  return limit == null || limit >= s.n ? s : split(s, 0, limit);
}

/**
 * The built-in image datasets through src/data. Expected once merged: wg.data.mnist / fashionMnist
 * resolving to {train, test} splits that expose CPU arrays {x: Float32Array in [0, 1], y: Int32Array, n}.
 * Until then this fails with a clear message; --dataset synthetic needs nothing.
 */
async function loadBuiltin(wg, name, { dataDir }) {
  const load = name === 'mnist' ? wg.data?.mnist : wg.data?.fashionMnist;
  if (typeof load !== 'function')
    throw new Error(`--dataset ${name} needs webgrad's data module (wg.data.${name === 'mnist' ? 'mnist' : 'fashionMnist'}), which this build does not have; use --dataset synthetic`);
  const ds = await load({ dataDir });
  return { train: ds.train, test: ds.test, classNames: ds.classNames };
}

const FASHION = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** {name, inputShape, numClasses, classNames, train, test}; train/test are {x, y, n} CPU splits. */
export async function loadDataset(wg, { dataset, seed = 0, limit = null, dataDir = null }) {
  let train, test, classNames;
  if (dataset === 'synthetic') {
    const all = synthetic({ n: 2500, seed });
    train = split(all, 0, 2000);
    test = split(all, 2000, 2500);
    classNames = Array.from({ length: 10 }, (_, i) => `class ${i}`);
  } else {
    ({ train, test, classNames } = await loadBuiltin(wg, dataset, { dataDir }));
    classNames ??= dataset === 'fashion-mnist' ? FASHION : Array.from({ length: 10 }, (_, i) => String(i));
  }
  train = limited(train, limit);
  test = limited(test, limit == null ? null : Math.max(1, Math.ceil(limit / 4)));
  return { name: dataset, inputShape: [1, SIDE, SIDE], numClasses: classNames.length, classNames, train, test };
}

/**
 * Batches of one split as [x [m, 784] float32, y [m] int32] tensors, fresh per batch (fit disposes
 * them). With `shuffle`, each pass draws a new order from the seeded generator.
 */
export function batches(wg, s, batchSize, { shuffle = false, seed = 0 } = {}) {
  const f = s.x.length / s.n;
  let pass = 0;
  return {
    get steps() {
      return Math.ceil(s.n / batchSize);
    },
    async *[Symbol.asyncIterator]() {
      const order = Int32Array.from({ length: s.n }, (_, i) => i);
      if (shuffle) {
        const r = rng(seed * 1000003 + pass++);
        for (let i = s.n - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      for (let i = 0; i < s.n; i += batchSize) {
        const m = Math.min(batchSize, s.n - i);
        const x = new Float32Array(m * f);
        const y = new Int32Array(m);
        for (let k = 0; k < m; k++) {
          const src = order[i + k];
          x.set(s.x.subarray(src * f, (src + 1) * f), k * f);
          y[k] = s.y[src];
        }
        yield [wg.tensor(x, { shape: [m, f] }), wg.tensor(y, { dtype: 'int32' })];
      }
    },
  };
}
