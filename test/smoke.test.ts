import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { map } from '../src/kernels/index.ts';



describe('smoke', () => {
  it('uploads and reads back', async () => {
    const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(await t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const tt = wg.views.transpose(t);
    expect(await tt.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const out = wg.empty([2, 3], 'float32', 't');
    map(out.dev, { name: 'add', expr: 'a + b', ct: 'f32' }, [t, t], out);
    expect(Array.from(await out.data())).toEqual([2, 4, 6, 8, 10, 12]);
    expect(await wg.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(await wg.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    wg.manualSeed(1);
    const r = Array.from(await wg.randn([1000]).data());
    const mean = r.reduce((s, v) => s + v, 0) / 1000;
    expect(Math.abs(mean)).toBeLessThan(0.15);
  });
});
