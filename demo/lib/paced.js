// Training through wg.train.fit while the page stays responsive: an async iterable over a loader's
// batches that, whenever `budgetMs` of main-thread time has passed, waits for the GPU and yields to
// the browser (as lib/loop.js's chunked does for hand-written loops). `onBatch(i)` runs after the
// consumer has taken batch i, i.e. after the step on the previous one was encoded. When `shouldStop()`
// turns true the iteration ends (the batch in hand is disposed), and fit() goes on to its evaluation.
import * as wg from 'webgrad';
import { nextFrame } from './loop.js';

export function paced(inner, { budgetMs = 30, onBatch, pause = nextFrame, shouldStop } = {}) {
  return {
    async *[Symbol.asyncIterator]() {
      let t0 = performance.now();
      let i = 0;
      for await (const b of inner) {
        if (shouldStop?.()) {
          b.dispose?.();
          return;
        }
        yield b;
        onBatch?.(i++);
        if (performance.now() - t0 > budgetMs) {
          await wg.sync();
          await pause();
          t0 = performance.now();
        }
      }
    },
  };
}
