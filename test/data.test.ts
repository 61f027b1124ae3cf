import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { data } from '../src/index.ts';

const rows = (n: number, w: number) => wg.tensor(Float32Array.from({ length: n * w }, (_, i) => Math.floor(i / w) + (i % w) / 10), { shape: [n, w] });
const ids = (n: number) => wg.tensor(Int32Array.from({ length: n }, (_, i) => i));

async function collect(loader: data.DataLoader): Promise<{ x: number[][]; y: number[]; sizes: number[] }> {
  const out = { x: [] as number[][], y: [] as number[], sizes: [] as number[] };
  for await (const batch of loader) {
    const [x, y] = batch;
    out.x.push(...((await x!.toArray()) as number[][]));
    out.y.push(...((await y!.toArray()) as number[]));
    out.sizes.push(x!.shape[0]!);
    batch.dispose();
  }
  return out;
}

/** A CPU dataset: sample i is [Float32Array [i, i + .5, i + .25], label i % 3]; async when asked. */
class Squares extends data.Dataset<[Float32Array, number]> {
  reads = 0;
  constructor(
    readonly length: number,
    private readonly async = false,
  ) {
    super();
  }
  getItem(i: number): [Float32Array, number] | Promise<[Float32Array, number]> {
    this.reads++;
    const s: [Float32Array, number] = [Float32Array.from([i, i + 0.5, i + 0.25]), i % 3];
    return this.async ? new Promise((r) => setTimeout(() => r(s), 0)) : s;
  }
}

describe('permutation', () => {
  it('is a fixed function of (seed, epoch), the same on every runtime', () => {
    expect(Array.from(data.permutation(10, 42, 0))).toEqual([3, 4, 1, 0, 7, 8, 5, 9, 2, 6]);
    expect(Array.from(data.permutation(10, 42, 1))).toEqual([1, 7, 9, 4, 8, 5, 2, 6, 0, 3]);
    expect(Array.from(data.permutation(12, 2 ** 40 + 3, 5))).toEqual([0, 1, 6, 5, 2, 3, 9, 10, 7, 8, 11, 4]);
    const big = data.permutation(1000, 9);
    expect([...big].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(data.permutation(1000, 10))).not.toEqual(Array.from(big));
  });
});

describe('DataLoader over a TensorDataset (GPU-resident)', () => {
  it('batches in order, with and without dropLast', async () => {
    const ds = new data.TensorDataset(rows(10, 3), ids(10));
    const all = await collect(new data.DataLoader(ds, { batchSize: 4 }));
    expect(all.sizes).toEqual([4, 4, 2]);
    expect(all.y).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all.x[7]).toEqual([7, 7.1, 7.2].map(Math.fround));
    const dropped = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect((await collect(dropped)).sizes).toEqual([4, 4]);
    expect(new data.DataLoader(ds, { batchSize: 20 }).length).toBe(1);
    expect(new data.DataLoader(ds, { batchSize: 20, dropLast: true }).length).toBe(0);
    ds.dispose();
  });

  it('shuffles by seed: each epoch follows loader.order(epoch), rows stay paired, a new order every epoch', async () => {
    const ds = new data.TensorDataset(rows(23, 2), ids(23));
    const a = new data.DataLoader(ds, { batchSize: 5, shuffle: true, seed: 42 });
    const e0 = await collect(a);
    const e1 = await collect(a);
    expect(e0.y).toEqual(Array.from(data.permutation(23, 42, 0)));
    expect(e1.y).toEqual(Array.from(data.permutation(23, 42, 1)));
    expect(e0.y).not.toEqual(e1.y);
    e0.x.forEach((r, i) => expect(r[0]).toBe(e0.y[i]));
    expect(e0.sizes).toEqual([5, 5, 5, 5, 3]);
    const b = new data.DataLoader(ds, { batchSize: 7, shuffle: true, seed: 42 });
    expect((await collect(b)).y).toEqual(e0.y);
    expect(a.epoch).toBe(2);
    ds.dispose();
  });

  it('gathers on the GPU: one upload per shuffled epoch (none unshuffled), no readback, liveBuffers flat over 3 epochs', async () => {
    const ds = new data.TensorDataset(rows(64, 5), ids(64), wg.tensor(Array.from({ length: 64 }, (_, i) => i % 2 === 0)));
    for (const shuffle of [true, false]) {
      const loader = new data.DataLoader(ds, { batchSize: 8, shuffle, seed: 1 });
      const s0 = wg.stats();
      for (let epoch = 0; epoch < 3; epoch++) {
        const u = wg.stats().uploads;
        let batches = 0;
        for await (const batch of loader) {
          expect(batch.map((t) => t.shape[0])).toEqual([8, 8, 8]);
          expect(batch[2]!.dtype).toBe('bool');
          batch.dispose();
          batches++;
        }
        expect(batches).toBe(8);
        expect(wg.stats().uploads - u).toBe(shuffle ? 1 : 0);
      }
      const s1 = wg.stats();
      expect(s1.readbacks).toBe(s0.readbacks);
      expect(s1.liveBuffers).toBe(s0.liveBuffers);
    }
    ds.dispose();
  });

  it('frees its permutation when a loop ends early', async () => {
    const ds = new data.TensorDataset(rows(40, 2), ids(40));
    const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 });
    const live = wg.stats().liveBuffers;
    for await (const batch of loader) {
      batch.dispose();
      break;
    }
    expect(wg.stats().liveBuffers).toBe(live);
    ds.dispose();
  });

  it('applies a per-batch transform on the GPU, freeing its intermediates and the batch it replaced', async () => {
    const ds = new data.TensorDataset(rows(6, 2), ids(6));
    const loader = new data.DataLoader(ds, { batchSize: 3, transform: ([x, y]) => [wg.mul(wg.add(x!, 1), 2), y!] });
    const live = wg.stats().liveBuffers;
    const got = await collect(loader);
    expect(got.x[4]).toEqual([10, 10.2].map(Math.fround));
    expect(got.y).toEqual([0, 1, 2, 3, 4, 5]);
    expect(wg.stats().liveBuffers).toBe(live);
    const bad = new data.DataLoader(ds, { batchSize: 3, transform: () => 3 as unknown as wg.Tensor[] });
    await expect(collect(bad)).rejects.toThrow(/transform returned number/);
    expect(wg.stats().liveBuffers).toBe(live);
    ds.dispose();
  });
});

describe('DataLoader over a CPU Dataset', () => {
  it('collates samples into float32 and int32 batches in order, sync or async', async () => {
    for (const async of [false, true]) {
      const got = await collect(new data.DataLoader(new Squares(7, async), { batchSize: 3 }));
      expect(got.sizes).toEqual([3, 3, 1]);
      expect(got.y).toEqual([0, 1, 2, 0, 1, 2, 0]);
      expect(got.x[5]).toEqual([5, 5.5, 5.25]);
    }
    const loader = new data.DataLoader(new Squares(7), { batchSize: 3, shuffle: true, seed: 5 });
    const got = await collect(loader);
    expect(got.x.map((r) => r[0])).toEqual(Array.from(data.permutation(7, 5, 0)));
  });

  it('uploads once per batch, prefetching the next, and leaks nothing over 3 epochs or an early break', async () => {
    const ds = new Squares(50, true);
    const loader = new data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 2 });
    const s0 = wg.stats();
    for (let epoch = 0; epoch < 3; epoch++) {
      const u = wg.stats().uploads;
      let n = 0;
      for await (const batch of loader) {
        expect(batch[0]!.dtype).toBe('float32');
        expect(batch[1]!.dtype).toBe('int32');
        // The next batch is already being read while this one is in use.
        if (n === 0) expect(ds.reads).toBe(50 * epoch + 16);
        batch.dispose();
        n++;
      }
      expect(n).toBe(7);
      expect(wg.stats().uploads - u).toBe(7);
    }
    for await (const batch of loader) {
      batch.dispose();
      break;
    }
    const s1 = wg.stats();
    expect(s1.liveBuffers).toBe(s0.liveBuffers);
    expect(s1.readbacks).toBe(s0.readbacks);
  });

  it('infers dtypes from the first sample (or the declared ones) and rejects samples that do not fit', async () => {
    class Items extends data.Dataset<unknown[]> {
      constructor(
        readonly items: unknown[][],
        override readonly dtypes?: wg.DType[],
      ) {
        super();
      }
      get length() {
        return this.items.length;
      }
      getItem(i: number) {
        return this.items[i]!;
      }
    }
    const ok = new data.DataLoader(new Items([[true, [[1, 2]], 0.5, Int32Array.from([4])], [false, [[3, 4]], 2, Int32Array.from([5])]]), { batchSize: 2 });
    for await (const batch of ok) {
      expect(batch.map((t) => t.dtype)).toEqual(['bool', 'float32', 'float32', 'int32']);
      expect(batch.map((t) => t.shape)).toEqual([[2], [2, 1, 2], [2], [2, 1]]);
      expect(await batch[0]!.toArray()).toEqual([true, false]);
      expect(await batch[1]!.toArray()).toEqual([[[1, 2]], [[3, 4]]]);
      expect(await batch[2]!.toArray()).toEqual([0.5, 2]);
      batch.dispose();
    }
    const declared = new data.DataLoader(new Items([[1], [2]], ['float32']), { batchSize: 2 });
    for await (const batch of declared) {
      expect(batch[0]!.dtype).toBe('float32');
      batch.dispose();
    }
    const live = wg.stats().liveBuffers;
    const cases: [unknown[][], RegExp][] = [
      [[[1], [2.5]], /field 0 of sample 1 holds 2.5 at element 0, but the field is int32/],
      [[[[1, 2]], [[1, 2, 3]]], /field 0 of sample 1 has 3 values, but sample 0's has 2/],
      [[[1, 2], [1]], /sample 1 has 1 fields, but sample 0 has 2 fields/],
      [[[null]], /field 0 of sample 0 is null/],
    ];
    for (const [items, msg] of cases) await expect(collect(new data.DataLoader(new Items(items), { batchSize: 2 }))).rejects.toThrow(msg);
    expect(wg.stats().liveBuffers).toBe(live);
  });

  it('ArrayDataset serves typed arrays from the CPU', async () => {
    const px = Float32Array.from({ length: 12 }, (_, i) => i);
    const ds = new data.ArrayDataset({ data: px, shape: [4, 3] }, { data: Int32Array.from([9, 8, 7, 6]), shape: [4] });
    expect(ds.getItem(1)).toEqual([Float32Array.from([3, 4, 5]), 8]);
    const got = await collect(new data.DataLoader(ds, { batchSize: 3 }));
    expect(got.x).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
    expect(got.y).toEqual([9, 8, 7, 6]);
    expect(() => new data.ArrayDataset({ data: px, shape: [5, 3] })).toThrow(/12 values for shape \[5, 3\]/);
  });
});

describe('DataLoader and TensorDataset options', () => {
  it('rejects unknown options naming the closest valid one, and bad values', () => {
    const ds = new data.TensorDataset(ids(4));
    expect(() => new data.DataLoader(ds, { batchsize: 2 } as data.DataLoaderOptions)).toThrow(/unknown option 'batchsize'.*did you mean 'batchSize'/);
    expect(() => new data.DataLoader(ds, { shufle: true } as data.DataLoaderOptions)).toThrow(/did you mean 'shuffle'/);
    expect(() => new data.DataLoader(ds, { drop_last: true } as data.DataLoaderOptions)).toThrow(/did you mean 'dropLast'/);
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => new data.DataLoader(ds, { shuffle: 1 as unknown as boolean })).toThrow(/shuffle must be true or false/);
    expect(() => new data.DataLoader(ds, { seed: 0.5 })).toThrow(/seed must be an integer/);
    expect(() => new data.DataLoader({} as data.Dataset, {})).toThrow(/expected a Dataset/);
    expect(() => new data.TensorDataset(ids(4), ids(5))).toThrow(/tensor 1 has 5 samples, tensor 0 has 4/);
    expect(() => new data.TensorDataset(wg.tensor(3))).toThrow(/0-dimensional/);
    ds.dispose();
  });

  it('TensorDataset.getItem returns sample views', async () => {
    const ds = new data.TensorDataset(rows(3, 2), ids(3));
    const [x, y] = ds.getItem(2);
    expect(await x.toArray()).toEqual([2, 2.1].map(Math.fround));
    expect(await y.toArray()).toBe(2);
    expect(() => ds.getItem(3)).toThrow(/index 3 is out of range for 3 samples/);
    [x, y].forEach((t) => t.dispose());
    ds.dispose();
  });
});

/** IDX bytes: magic (0, 0, code, ndim), big-endian dims, then `values` as bytes. */
function idx(code: number, dims: number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  const dv = new DataView(out.buffer);
  out.set([0, 0, code, dims.length]);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  out.set(Array.from(values), 4 + 4 * dims.length);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

describe('IDX reader', () => {
  const img = idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  it('reads uint8 and big-endian files, plain or gzipped', async () => {
    const a = data.parseIdx(img, 'img', { dtype: 'uint8', ndim: 3 });
    expect(a.shape).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const i32 = data.parseIdx(idx(0x0c, [2], [0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2]), 'i32');
    expect([i32.dtype, ...i32.data]).toEqual(['int32', -2, 258]);
    const z = await data.readIdx(await gzip(img), { name: 'img.gz', dtype: 'uint8', ndim: 3 });
    expect(Array.from(z.data)).toEqual(Array.from(a.data));
  });

  it('rejects each malformed file with an error naming it', async () => {
    const cases: [Uint8Array, data.IdxExpect, RegExp][] = [
      [new Uint8Array([0, 0, 8]), {}, /f.idx: the file is 3 bytes, too short/],
      [img.map((v, i) => (i === 1 ? 8 : v)), {}, /f.idx: bad magic number 0x00080803/],
      [idx(0x07, [1], [1]), {}, /f.idx: unknown type code 0x07/],
      [idx(0x0b, [1], [0, 1]), { dtype: 'uint8' }, /f.idx: holds int16 values \(type code 0x0b\), expected uint8/],
      [img, { ndim: 1 }, /f.idx: has 3 dimensions, expected 1/],
      [img.subarray(0, 10), {}, /f.idx: is truncated: its header needs 16 bytes for 3 dimensions/],
      [img.subarray(0, img.length - 1), {}, /f.idx: is truncated: the header promises 2 x 2 x 3 uint8 values \(28 bytes with the header\), the file has 27/],
      [new Uint8Array([...img, 0, 0]), {}, /f.idx: has 2 bytes after the 2 x 2 x 3 values/],
    ];
    for (const [bytes, expect_, msg] of cases) expect(() => data.parseIdx(bytes, 'f.idx', expect_)).toThrow(msg);
    const z = await gzip(img);
    await expect(data.readIdx(z.subarray(0, z.length - 6), { name: 'cut.gz' })).rejects.toThrow(/cut.gz is not valid gzip data/);
  });

  it('checks that labels match the images in count and range', () => {
    const images = data.parseIdx(img, 'images');
    const three = data.parseIdx(idx(0x08, [3], [0, 1, 2]), 'labels');
    const big = data.parseIdx(idx(0x08, [2], [3, 12]), 'labels');
    expect(() => data.checkIdxPair(images, three, ['images', 'labels'], 10)).toThrow(/labels has 3 labels but images has 2 images/);
    expect(() => data.checkIdxPair(images, big, ['images', 'labels'], 10)).toThrow(/labels: label 12 at index 1 is outside 0..9/);
    expect(() => data.checkIdxPair(images, data.parseIdx(idx(0x08, [2], [3, 9]), 'labels'), ['images', 'labels'], 10)).not.toThrow();
  });
});

describe('built-in datasets from in-memory digits', () => {
  // Ten "digits" of three 28 x 28 images each; image k of digit d is filled with (d * 3 + k) / 30.
  const digits = Array.from({ length: 10 }, (_, d) => Float32Array.from({ length: 3 * 784 }, (_, i) => (d * 3 + Math.floor(i / 784)) / 30));

  it('mnist splits 80/20 by a fixed permutation, with [N, 1, 28, 28] or [N, 784] images and int32 labels', async () => {
    const train = await data.mnist({ digits });
    const test = await data.mnist({ digits, split: 'test', flatten: true });
    expect([train.length, test.length]).toEqual([24, 6]);
    expect(train.images.shape).toEqual([24, 1, 28, 28]);
    expect(test.images.shape).toEqual([6, 784]);
    expect(train.labels.dtype).toBe('int32');
    expect(train.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const px = (await train.images.data()) as Float32Array;
    const lab = Array.from(await train.labels.data());
    const testPx = (await test.images.data()) as Float32Array;
    const ids = [...Array.from({ length: 24 }, (_, i) => Math.round(px[i * 784]! * 30)), ...Array.from({ length: 6 }, (_, i) => Math.round(testPx[i * 784]! * 30))];
    // Every image exactly once, its label its digit, in the order of the split permutation.
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(ids).toEqual(Array.from(data.permutation(30, 20_000)));
    lab.forEach((l, i) => expect(l).toBe(Math.floor(ids[i]! / 3)));
    train.dispose();
    test.dispose();
  });

  it('normalizes with the training statistics or given ones, and applies transforms once on the GPU', async () => {
    const a = await data.mnist({ digits, normalize: true });
    const raw = await data.mnist({ digits });
    const b = await data.mnist({ digits, normalize: { mean: 0.5, std: 2 }, transform: (x) => wg.mul(x, 10), targetTransform: (y) => wg.add(y, 1) });
    const r = (await raw.images.data())[0]!;
    expect([a.mean, a.std]).toEqual([data.STATS.mnist.mean, data.STATS.mnist.std]);
    expect((await a.images.data())[0]).toBeCloseTo((r - data.STATS.mnist.mean) / data.STATS.mnist.std, 5);
    expect((await b.images.data())[0]).toBeCloseTo(((r - 0.5) / 2) * 10, 5);
    expect(Array.from(await b.labels.data())).toEqual(Array.from(await raw.labels.data(), (v) => v + 1));
    expect(raw.mean).toBeNull();
    [a, raw, b].forEach((d) => d.dispose());
  });

  it('keeps a split on the CPU with {resident: false}', async () => {
    const live = wg.stats().liveBuffers;
    const cpu = await data.mnist({ digits, resident: false, flatten: true });
    expect(cpu).toBeInstanceOf(data.ArrayDataset);
    expect(cpu.length).toBe(24);
    expect(wg.stats().liveBuffers).toBe(live);
    const got = await collect(new data.DataLoader(cpu, { batchSize: 10 }));
    expect(got.sizes).toEqual([10, 10, 4]);
    expect(got.x[0]!.length).toBe(784);
  });

  it('rejects bad options before loading anything', async () => {
    const live = wg.stats().liveBuffers;
    await expect(data.mnist({ digits, splt: 'test' } as data.MnistOptions)).rejects.toThrow(/unknown option 'splt'.*did you mean 'split'/);
    await expect(data.mnist({ digits, split: 'val' as data.Split })).rejects.toThrow(/split must be 'train' or 'test', got "val"/);
    await expect(data.mnist({ digits, normalize: { mean: 0, std: 0 } })).rejects.toThrow(/normalize must be/);
    await expect(data.mnist({ digits: digits.slice(1) })).rejects.toThrow(/digits must be the 10 per-digit arrays, got 9/);
    await expect(data.mnist({ digits: [new Float32Array(5), ...digits.slice(1)] })).rejects.toThrow(/digit 0 has 5 values/);
    await expect(data.mnist({ digits, transform: () => wg.zeros([3]) })).rejects.toThrow(/transform must return a tensor of 24 samples/);
    await expect(data.mnist({ digits, resident: false, transform: (x) => x })).rejects.toThrow(/DataLoader's transform option/);
    await expect(data.fashionMnist({ dataDir: 7 as unknown as string })).rejects.toThrow(/dataDir must be a string/);
    expect(wg.stats().liveBuffers).toBe(live);
  });
});
