// Keeping a page responsive while it trains: work runs in chunks of at most ~budgetMs of main-thread
// time, and between chunks the page yields so the browser can paint and handle input. Each chunk ends
// with one await on the GPU (a loss read or wg.sync()), which also keeps the queue from running ahead.
import * as wg from 'webgrad';

/** Resolves after the browser has had a chance to paint (a frame, or a macrotask where rAF is paused). */
export function nextFrame() {
  return new Promise((resolve) => {
    let settled = false;
    const go = () => {
      if (!settled) (settled = true), resolve();
    };
    requestAnimationFrame(go);
    setTimeout(go, 50);
  });
}

/**
 * Calls `step(i)` for i = 0..n-1, yielding to the browser whenever `budgetMs` of main-thread time has
 * passed. After each chunk, `onChunk(i)` runs (awaited: draw, read a loss). Stops early when
 * `shouldStop()` becomes true. Returns the number of steps run.
 */
export async function chunked(n, step, { budgetMs = 30, onChunk, shouldStop } = {}) {
  let i = 0;
  while (i < n) {
    if (shouldStop?.()) break;
    const t0 = performance.now();
    do {
      step(i);
      i++;
    } while (i < n && performance.now() - t0 < budgetMs);
    if (onChunk) await onChunk(i);
    else await wg.sync();
    await nextFrame();
  }
  return i;
}

/** Mulberry32: a small seeded generator for page-side randomness (data, initial points). */
export function rng(seed = 1) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
