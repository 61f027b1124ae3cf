// Two spirals: the default 300 steps separate them.
export default {
  timeoutMs: 180_000,
  check(r) {
    if (!(r.accuracy >= 0.9)) throw new Error(`accuracy ${r.accuracy} is below 0.9 (loss ${r.loss})`);
    return `accuracy ${(100 * r.accuracy).toFixed(1)}% after ${r.steps} steps`;
  },
};
