import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

describe('precompile', () => {
  it('compiles a training step ahead of time, so running it compiles nothing new', async () => {
    const n = await wg.precompile();
    expect(n).toBeGreaterThan(5);
    const before = wg.stats().pipelinesCompiled;
    wg.tidy(() => {
      const x = wg.randn([4, 8]);
      const w = wg.randn([8, 3], { requiresGrad: true });
      const ops = wg as unknown as Record<string, (...a: unknown[]) => wg.Tensor>;
      let h = ops.matmul ? ops.matmul(x, w) : wg.sum(wg.mul(wg.unsqueeze(x, 2), w), 1);
      h = wg.relu(wg.add(h, wg.tanh(wg.sigmoid(h))));
      const loss = ops.logSoftmax ? wg.mean(ops.logSoftmax(h, -1)) : wg.mean(wg.exp(h));
      loss.backward();
    });
    expect(wg.stats().pipelinesCompiled).toBe(before);
  });
});
