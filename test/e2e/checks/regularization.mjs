// Regularization: all four nets fit their small training set, the unregularized one overfits (its
// test loss turns up, and its train-test gap is wider than with L2 or dropout), and early stopping
// is reported before its last epoch.
export default {
  query: '?quick',
  timeoutMs: 150_000,
  check(r) {
    const v = r.variants ?? {};
    for (const k of ['none', 'l2', 'dropout', 'batchnorm']) {
      const s = v[k];
      if (!s) throw new Error(`no result for the '${k}' variant`);
      if (s.epochs !== r.epochs) throw new Error(`${k}: ${s.epochs} epochs of test results, expected ${r.epochs}`);
      if (!(s.trainAcc >= 0.9)) throw new Error(`${k}: training accuracy ${s.trainAcc} is below 0.9`);
      if (!(s.testAcc >= 0.7)) throw new Error(`${k}: test accuracy ${s.testAcc} is below 0.7`);
      if (![s.trainLoss, s.testLoss, s.minTestLoss].every(Number.isFinite)) throw new Error(`${k}: non-finite losses`);
    }
    const n = v.none;
    const gap = (s) => s.trainAcc - s.testAcc;
    if (!(n.testLoss > 1.1 * n.minTestLoss)) throw new Error(`no regularization: the test loss does not turn up (minimum ${n.minTestLoss} at epoch ${n.minTestEpoch}, last ${n.testLoss})`);
    if (!(gap(n) > Math.min(gap(v.l2), gap(v.dropout)))) throw new Error(`no regularization: its train−test gap ${gap(n)} is not wider than L2's ${gap(v.l2)} or dropout's ${gap(v.dropout)}`);
    if (!(Number.isInteger(n.stopEpoch) && n.stopEpoch >= 1 && n.stopEpoch < r.epochs)) throw new Error(`no regularization: early stopping epoch ${n.stopEpoch} is not before the last epoch ${r.epochs}`);
    if (!(n.bestEpoch >= 1 && n.bestEpoch < n.stopEpoch)) throw new Error(`no regularization: the best epoch ${n.bestEpoch} should come before the stop at ${n.stopEpoch}`);
    return `gaps ${['none', 'l2', 'dropout', 'batchnorm'].map((k) => (100 * gap(v[k])).toFixed(1)).join(' / ')} pts; none: test loss ${n.minTestLoss.toFixed(3)} (epoch ${n.minTestEpoch}) → ${n.testLoss.toFixed(3)}, early stop after epoch ${n.stopEpoch}; ${r.seconds.toFixed(0)} s`;
  },
};
