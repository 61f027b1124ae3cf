// The CLI's data path (bin/lib/data.mjs) on the GPU: the synthetic split as a resident TensorDataset,
// batches from a DataLoader, and --augment's per-sample random shifts, checked against a CPU shift of
// each image by the offset that reproduces it (every output must be its input moved by one (dy, dx) in
// [-s, s]^2 with the fill value where nothing was moved in). No readbacks inside, no leaks.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
// @ts-expect-error: plain .mjs module of the CLI, without type declarations
import { batches, loadDataset, pixelsOf } from '../bin/lib/data.mjs';

/** The image `img` [h, w] moved by (dy, dx): out[r][q] = img[r - dy][q - dx], `fill` outside. */
function shiftCpu(img: Float32Array, h: number, w: number, dy: number, dx: number, fill: number): Float32Array {
  const out = new Float32Array(h * w).fill(fill);
  for (let r = 0; r < h; r++)
    for (let q = 0; q < w; q++) {
      const [sr, sq] = [r - dy, q - dx];
      if (sr >= 0 && sr < h && sq >= 0 && sq < w) out[r * w + q] = img[sr * w + sq]!;
    }
  return out;
}

describe('CLI data (bin/lib/data.mjs)', () => {
  it('--augment shifts each image by its own offset in [-s, s]^2, filling the uncovered pixels', async () => {
    // 7 x 5 images of distinct values, so each output determines its offset.
    const [n, h, w, s, fill] = [37, 7, 5, 2, -0.5];
    const x = Float32Array.from({ length: n * h * w }, (_, i) => i + 1);
    const ds = new wg.data.TensorDataset(wg.tensor(x, { shape: [n, 1, h, w] }), wg.tensor(Int32Array.from({ length: n }, (_, i) => i), { dtype: 'int32' }));
    wg.manualSeed(3);
    const seen = new Set<string>();
    const before = wg.stats().liveBuffers;
    for (let epoch = 0; epoch < 2; epoch++) {
      const out: Float32Array[] = [];
      const labels: number[] = [];
      const r0 = wg.stats().readbacks;
      const got: [wg.Tensor, wg.Tensor][] = [];
      for await (const [bx, by] of batches(wg, ds, 8, { shuffle: true, seed: 1, augment: s, fill })) got.push([bx, by]);
      expect(wg.stats().readbacks).toBe(r0);
      for (const [bx, by] of got) {
        expect(bx.shape.slice(1)).toEqual([1, h, w]);
        const v = await bx.data();
        for (let k = 0; k < bx.shape[0]!; k++) out.push(v.slice(k * h * w, (k + 1) * h * w) as Float32Array);
        labels.push(...(await by.data()));
        bx.dispose();
        by.dispose();
      }
      expect([...labels].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      labels.forEach((label, k) => {
        const img = x.subarray(label * h * w, (label + 1) * h * w);
        const offsets: string[] = [];
        for (let dy = -s; dy <= s; dy++) for (let dx = -s; dx <= s; dx++) if (shiftCpu(img, h, w, dy, dx, fill).every((p, i) => p === out[k]![i])) offsets.push(`${dy},${dx}`);
        expect(offsets, `sample ${label}`).toHaveLength(1);
        seen.add(offsets[0]!);
      });
    }
    // 74 draws from 25 offsets: most appear, so the offsets really vary per sample.
    expect(seen.size).toBeGreaterThan(12);
    expect(wg.stats().liveBuffers).toBe(before);
    ds.dispose();
  });

  it('loads the synthetic set on the GPU and reads back the pixels of chosen test samples', async () => {
    const before = wg.stats().liveBuffers;
    const data = await loadDataset(wg, { dataset: 'synthetic', seed: 0, limit: 100 });
    expect(data.train.length).toBe(100);
    expect(data.test.length).toBe(25);
    expect(data.train.tensors[0].shape).toEqual([100, 1, 28, 28]);
    const loader = batches(wg, data.test, 10);
    expect(loader.length).toBe(3);
    const px = await pixelsOf(wg, data, [0, 24]);
    const all = await data.test.tensors[0].data();
    for (const [k, i] of [0, 24].entries())
      expect(Array.from(px[k])).toEqual(Array.from(all.subarray(i * 784, (i + 1) * 784), (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255)));
    data.dispose();
    expect(wg.stats().liveBuffers).toBe(before);
  });
});
