// Async scopes under interleaving. Node and Deno track scopes per async context (AsyncLocalStorage);
// browsers have none, so overlapping async scopes throw at their exit before anything is freed. Node
// also runs the browser path, with the async context switched off.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { asyncScopesEnabled, enableAsyncScopes } from '../src/tensor/memory.ts';

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** Lets every pending continuation run. */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

const live = () => wg.stats().liveBuffers;
const values = async (t: wg.Tensor) => Array.from(await t.data());

/**
 * Scope 1 opens, then scope 2; scope 1 makes a tensor while scope 2 is open and uses it after scope 2
 * has ended; scope 2 ends first. A handler outside any scope also makes a tensor while both are open.
 * Every tensor made is recorded in `made`.
 */
async function interleave(made: wg.Tensor[]) {
  const g1 = gate();
  const g2 = gate();
  const g3 = gate();
  const mk2 = (t: wg.Tensor) => (made.push(t), t);
  const mk = (v: number[]) => mk2(wg.tensor(v));
  const s1 = wg.scope(async () => {
    const a = mk([1, 2]);
    await g1.wait;
    const during = mk([10, 20]); // made while scope 2 is open
    await g3.wait;
    return mk2(a.add(during)); // used after scope 2 has ended
  });
  const s2 = wg.scope(async () => {
    const b = mk([3, 4]);
    await g2.wait;
    return b; // nothing allocated between the measurements around this scope's exit
  });
  let outside: wg.Tensor | null = null;
  const handler = (async () => {
    await g1.wait;
    outside = mk([7, 7]); // belongs to no scope
  })();
  g1.open();
  await settle();
  await handler;
  const beforeExits = live();
  g2.open();
  const r2 = await s2.then((v) => ({ v }), (e) => ({ e }));
  const afterFirstExit = live();
  g3.open();
  const r1 = await s1.then((v) => ({ v }), (e) => ({ e }));
  return { r1, r2, outside: outside!, beforeExits, afterFirstExit };
}

describe('async scopes', () => {
  afterEach(async () => {
    await enableAsyncScopes(true);
  });

  it('follow async contexts in Node and Deno, and share one stack in browsers', () => {
    expect(asyncScopesEnabled()).toBe(wg.device().info.runtime !== 'browser');
  });

  it('run one after another, freeing their temporaries and handing back their results', async () => {
    for (const on of [true, false]) {
      await enableAsyncScopes(on);
      const base = live();
      const outside = wg.tensor([5, 5]);
      for (let i = 0; i < 3; i++) {
        const r = await wg.scope(async () => {
          const x = wg.tensor([1, 2, 3]);
          await x.data();
          return wg.tidy(() => x.mul(2).add(1));
        });
        expect(await values(r)).toEqual([3, 5, 7]);
        r.dispose();
        expect(live()).toBe(base + 1);
      }
      expect(outside.isDisposed).toBe(false);
      outside.dispose();
      expect(live()).toBe(base);
    }
  });

  // Browsers have no async context: the overlap tests below cover them.
  it.skipIf(!asyncScopesEnabled())('interleaved across awaits, each frees only its own tensors (async context)', async () => {
    const base = live();
    const made: wg.Tensor[] = [];
    const { r1, r2, outside } = await interleave(made);
    expect('v' in r1 && 'v' in r2).toBe(true);
    const t1 = (r1 as { v: wg.Tensor }).v;
    const t2 = (r2 as { v: wg.Tensor }).v;
    expect(t2.isDisposed).toBe(false);
    expect(await values(t2)).toEqual([3, 4]);
    expect(await values(t1)).toEqual([11, 22]);
    expect(outside.isDisposed).toBe(false);
    // Everything but the two results and the unscoped tensor was freed by its own scope.
    expect(made.filter((t) => !t.isDisposed)).toEqual([t2, outside, t1]);
    t1.dispose();
    t2.dispose();
    outside.dispose();
    expect(live()).toBe(base);
  });

  it.skipIf(!asyncScopesEnabled())('nest in Node and Deno: the inner result moves to the outer scope', async () => {
    const base = live();
    let inner: wg.Tensor | null = null;
    const r = await wg.scope(async () => {
      const t = wg.tensor([1, 1]);
      await t.data();
      inner = await wg.scope(async () => wg.tensor([2, 3]).mul(2));
      await inner.data();
      return inner.add(t);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(await values(r)).toEqual([5, 7]);
    r.dispose();
    expect(live()).toBe(base);
  });

  it('without an async context, overlapping scopes throw at the first exit before anything is freed', async () => {
    await enableAsyncScopes(false);
    const base = live();
    const made: wg.Tensor[] = [];
    const { r1, r2, outside, beforeExits, afterFirstExit } = await interleave(made);
    // Scope 2 ends first: it throws, and frees nothing.
    expect('e' in r2).toBe(true);
    const e2 = (r2 as { e: Error }).e;
    expect(e2).toBeInstanceOf(wg.WebGradError);
    expect(e2.message).toMatch(/scope: two wg\.scope\(\) calls were open at the same time/);
    expect(e2.message).toMatch(/wg\.tidy\(\).*dispose\(\).*wg\.keep\(\)/);
    expect(afterFirstExit).toBe(beforeExits);
    // Scope 1 overlapped too, so it throws as well rather than free scope 2's tensors.
    expect('e' in r1).toBe(true);
    expect((r1 as { e: Error }).e.message).toMatch(/two wg\.scope\(\) calls were open/);
    expect(made.every((t) => !t.isDisposed)).toBe(true);
    expect(outside.isDisposed).toBe(false);
    for (const t of made) t.dispose();
    expect(live()).toBe(base);
    // The shared stack is clean again: sequential scopes work and free their temporaries.
    const r = await wg.scope(async () => {
      const x = wg.tensor([1, 2]);
      await x.data();
      return x.add(1);
    });
    expect(await values(r)).toEqual([2, 3]);
    r.dispose();
    expect(live()).toBe(base);
  });

  it('without an async context, a scope nested in another throws too, naming the alternatives', async () => {
    await enableAsyncScopes(false);
    const base = live();
    const kept: wg.Tensor[] = [];
    const outer = wg.scope(async () => {
      kept.push(wg.tensor([1]));
      await wg.scope(async () => (kept.push(wg.tensor([2])), kept[1]!));
    });
    await expect(outer).rejects.toThrow(/two wg\.scope\(\) calls were open at the same time.*wg\.tidy\(\)/);
    expect(kept.every((t) => !t.isDisposed)).toBe(true);
    for (const t of kept) t.dispose();
    expect(live()).toBe(base);
    // tidy inside an async scope stays fine.
    const r = await wg.scope(async () => {
      const x = wg.tensor([3]);
      await x.data();
      return wg.tidy(() => x.mul(x).add(x));
    });
    expect(await values(r)).toEqual([12]);
    r.dispose();
    expect(live()).toBe(base);
  });
});
