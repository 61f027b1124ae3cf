// The buffer pool's idle memory: emptyCache() releases it, a cap bounds it.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

const MiB = 1 << 20;

/** Makes and frees a [rows, 256] float tensor after using it, then submits so that its buffer turns idle. */
async function churn(rows: number): Promise<void> {
  const t = wg.ones([rows, 256]);
  const s = t.sum();
  await s.item();
  t.dispose();
  s.dispose();
  // A readback submits, and a submit is when freed buffers turn idle (pooled).
  const k = wg.tensor([1, 2]).sum();
  await k.item();
  k.dispose();
}

describe('pool memory', () => {
  it('emptyCache() drops the pooled bytes to 0 after large tensors are gone, and allocation still works', async () => {
    await churn(4096); // 4 MiB
    await churn(2048);
    const live = wg.stats().liveBytes;
    expect(wg.stats().pooledBytes).toBeGreaterThanOrEqual(6 * MiB);
    const freed = wg.emptyCache();
    expect(freed).toBeGreaterThanOrEqual(6 * MiB);
    expect(wg.stats().pooledBytes).toBe(0);
    expect(wg.stats().pooledBuffers).toBe(0);
    expect(wg.stats().liveBytes).toBe(live);
    const t = wg.ones([4096, 256]);
    expect(await t.sum().item()).toBe(4096 * 256);
    t.dispose();
  });

  it('emptyCache() also releases buffers freed since the last submit, without disturbing recorded work', async () => {
    const a = wg.ones([2048, 256]);
    const b = a.mul(2).sum(); // recorded, not yet submitted, reads a
    a.dispose();
    wg.emptyCache();
    expect(wg.stats().pooledBytes).toBe(0);
    expect(await b.item()).toBe(2 * 2048 * 256);
    b.dispose();
  });

  it('with a cap the pool never holds more than the cap, and small buffers are still reused', async () => {
    wg.emptyCache();
    const cap = 3 * MiB;
    wg.setPoolCap(cap);
    try {
      for (const rows of [4096, 2048, 1024, 2048, 512, 4096, 1024]) {
        await churn(rows);
        expect(wg.stats().pooledBytes).toBeLessThanOrEqual(cap);
      }
      expect(wg.stats().pooledBytes).toBeGreaterThan(0);
      wg.resetStats();
      await churn(8);
      await churn(8);
      expect(wg.stats().poolHits).toBeGreaterThan(0);
      // Lowering the cap trims at once.
      wg.setPoolCap(MiB / 2);
      expect(wg.stats().pooledBytes).toBeLessThanOrEqual(MiB / 2);
      expect(() => wg.setPoolCap(-1)).toThrow(/setPoolCap: .*-1/);
      expect(() => wg.setPoolCap(NaN)).toThrow(/setPoolCap/);
    } finally {
      wg.setPoolCap(Infinity);
    }
  });

  it('init({ poolCapBytes }) caps the pool of the device it makes', async () => {
    wg.destroy();
    await wg.init({ poolCapBytes: MiB });
    expect(wg.device().pool.capBytes).toBe(MiB);
    for (const rows of [2048, 512, 2048]) {
      await churn(rows);
      expect(wg.stats().pooledBytes).toBeLessThanOrEqual(MiB);
    }
  });
});
