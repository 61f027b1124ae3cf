// Runs alone in its file: it loses the device on purpose.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

describe('device loss', () => {
  it('becomes an Error on the next call, never a hang', async () => {
    const a = wg.tensor([1, 2, 3]);
    expect(Array.from(await a.add(1).data())).toEqual([2, 3, 4]);
    wg.device().gpu.destroy();
    await wg.device().gpu.lost;
    await Promise.resolve();
    expect(() => a.mul(2)).toThrow(/lost/);
    await expect(a.data()).rejects.toThrow(/lost|destroyed/);
  });
});
