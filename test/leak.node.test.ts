// Debug-mode leak reports (FinalizationRegistry). Node only: forcing a collection needs V8's gc(), which
// `--expose-gc` provides; without that flag on the command line it is switched on at run time here.
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as wg from '../src/index.ts';

function findGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

/** Makes tensors in a frame of its own, so nothing on the caller's stack keeps them alive. */
function makeGarbage(): void {
  wg.full([7, 3], 1);
  wg.arange(5).dispose();
}

describe('debug mode', () => {
  it('reports a tensor collected without dispose(), naming its shape and op, and frees its buffer', async (ctx) => {
    const gc = findGc();
    if (!gc) return ctx.skip('V8 gc() is unavailable: neither --expose-gc nor v8.setFlagsFromString worked');
    const reports: string[] = [];
    wg.onLeak((m) => reports.push(m));
    await wg.sync();
    const live = wg.stats().liveBuffers;
    wg.setDebug(true);
    try {
      makeGarbage();
      expect(wg.stats().liveBuffers).toBe(live + 1);
      for (let i = 0; i < 50 && reports.length === 0; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      wg.setDebug(false);
      wg.onLeak((m) => console.warn(m));
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^webgrad: a tensor \[7, 3\] float32 made by full was garbage-collected without dispose\(\)/);
    expect(wg.stats().liveBuffers).toBe(live);
  });

  it('stays silent outside debug mode', async (ctx) => {
    const gc = findGc();
    if (!gc) return ctx.skip('V8 gc() is unavailable');
    const reports: string[] = [];
    wg.onLeak((m) => reports.push(m));
    makeGarbage();
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    wg.onLeak((m) => console.warn(m));
    expect(reports).toEqual([]);
  });
});
