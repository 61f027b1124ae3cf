// Runs alone in its file: each test loses the worker's device on purpose and makes a new one with init().
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { nn, optim } from '../src/index.ts';

/** Loses the current device the way a driver reset would, and waits until webgrad has seen it. */
async function loseDevice(): Promise<void> {
  const gpu = wg.device().gpu;
  gpu.destroy();
  await gpu.lost;
  await Promise.resolve();
}

describe('after the device is lost', () => {
  it('init() gives a fresh device that works', async () => {
    const old = wg.device();
    await loseDevice();
    expect(() => wg.tensor([1, 2]).add(1)).toThrow(/lost/);
    await wg.init();
    expect(wg.device()).not.toBe(old);
    expect(wg.device().lost).toBe(false);
    expect(Array.from(await wg.tensor([1, 2]).add(1).data())).toEqual([2, 3]);
    // A second init() on a healthy device keeps it.
    const fresh = wg.device();
    await wg.init();
    expect(wg.device()).toBe(fresh);
  });

  it('tensors of the lost device fail with a clear error, before and after init()', async () => {
    const a = wg.tensor([1, 2, 3]);
    await loseDevice();
    expect(() => a.mul(2)).toThrow(/made on a device that was lost.*recreate it/);
    await wg.init();
    const b = wg.tensor([1, 1, 1]);
    expect(() => a.mul(2)).toThrow(/made on a device that was lost.*recreate it/);
    expect(() => b.add(a)).toThrow(/add: .*made on a device that was lost/);
    await expect(a.data()).rejects.toThrow(/made on a device that was lost/);
    expect(() => a.dispose()).not.toThrow();
    expect(Array.from(await b.mul(3).data())).toEqual([3, 3, 3]);
    b.dispose();
  });

  it('tensors made before wg.destroy() fail clearly on the device of a later init()', async () => {
    const a = wg.tensor([1, 2, 3]);
    wg.destroy();
    await wg.init();
    expect(() => a.mul(2)).toThrow(/made on a device that was lost \(the device was destroyed by wg.destroy\(\)\)/);
    await expect(a.toArray()).rejects.toThrow(/made on a device that was lost/);
  });

  it('pending lazy work of the old device never reaches the new one', async () => {
    const x = wg.tensor([1, 2, 3]);
    const y = x.add(1).mul(2); // fused and unread: still pending
    expect(y.storage.pending).not.toBeNull();
    wg.destroy();
    await wg.init();
    wg.resetStats();
    await expect(wg.sync()).resolves.toBeUndefined();
    expect(wg.stats().dispatches).toBe(0);
    expect(y.storage.pending).toBeNull();
    expect(() => y.add(1)).toThrow(/made on a device that was lost/);
    // The new device's own lazy work still runs.
    const z = wg.tensor([1, 2, 3]).add(1).mul(2);
    expect(Array.from(await z.data())).toEqual([4, 6, 8]);
    y.dispose();
    z.dispose();
  });

  it('a training loop survives the loss: catch, init(), rebuild from the last stateDict read back, continue', async () => {
    // y = 2 x0 - 3 x1 + 0.5, learned by a linear layer from 32 fixed points.
    const xs = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * 2);
    const ys = Float32Array.from({ length: 32 }, (_, i) => 2 * xs[2 * i]! - 3 * xs[2 * i + 1]! + 0.5);
    type Saved = Record<string, { shape: number[]; data: Float32Array }>;
    const build = (saved: Saved | null) => {
      const model = new nn.Linear(2, 1);
      if (saved) {
        const state = Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, wg.tensor(v.data, { shape: v.shape })]));
        model.loadStateDict(state);
        for (const t of Object.values(state)) t.dispose();
      }
      return { model, opt: new optim.SGD(model.parameters(), { lr: 0.05 }) };
    };
    const readBack = async (model: nn.Module): Promise<Saved> => {
      const out: Saved = {};
      for (const [k, t] of Object.entries(model.stateDict())) out[k] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
      return out;
    };
    const lossOf = async (model: nn.Module<[wg.Tensor], wg.Tensor>) =>
      wg.scope(async () => wg.noGrad(() => nn.F.mseLoss(model(wg.tensor(xs, { shape: [32, 2] })), wg.tensor(ys, { shape: [32, 1] }))).item());

    let { model, opt } = build(null);
    const first = await lossOf(model);
    let saved = await readBack(model);
    let savedAt = 0;
    let losses = 0;
    let step = 0;
    while (step < 120) {
      try {
        if (step === 40 && losses === 0) await loseDevice();
        wg.tidy(() => {
          opt.zeroGrad();
          nn.F.mseLoss(model(wg.tensor(xs, { shape: [32, 2] })), wg.tensor(ys, { shape: [32, 1] })).backward();
          opt.step();
        });
        step++;
        if (step % 10 === 0) {
          saved = await readBack(model);
          savedAt = step;
        }
      } catch (e) {
        expect(String(e)).toMatch(/lost/);
        losses++;
        await wg.init();
        ({ model, opt } = build(saved));
        step = savedAt;
      }
    }
    expect(losses).toBe(1);
    const last = await lossOf(model);
    expect(last).toBeLessThan(first * 0.01);
    // The rebuilt model holds the weights it learned, close to the true ones.
    const w = Array.from(await model.stateDict()['weight']!.data());
    expect(w[0]).toBeCloseTo(2, 1);
    expect(w[1]).toBeCloseTo(-3, 1);
    model.dispose();
    opt.dispose();
  });
});
