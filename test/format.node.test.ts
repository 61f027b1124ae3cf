// util.inspect (console.log in Node) of a tensor: its description, not the storage internals.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

describe('util.inspect', () => {
  it('shows shape, dtype and requiresGrad', () => {
    const t = wg.zeros([2, 3]);
    expect(inspect(t)).toBe("Tensor { shape: [2, 3], dtype: 'float32', requiresGrad: false }");
    const p = wg.zeros([4], { requiresGrad: true });
    expect(inspect({ p })).toBe("{ p: Tensor { shape: [4], dtype: 'float32', requiresGrad: true } }");
    expect(inspect(wg.tensor(1, { dtype: 'int32' }))).toBe("Tensor { shape: [], dtype: 'int32', requiresGrad: false }");
    expect(inspect(t)).not.toMatch(/storage|buffer|GPUBuffer/);
    t.dispose();
    expect(inspect(t)).toBe("Tensor { shape: [2, 3], dtype: 'float32', requiresGrad: false, disposed: true }");
  });
});
