// Small vs large batch: both nets learned, both sharpness values are real numbers, the table quotes
// the paper, and the curves were computed.
export default {
  query: '?quick',
  timeoutMs: 150_000,
  check(r) {
    for (const k of ['sb', 'lb']) {
      const n = r[k];
      if (!n) throw new Error(`no result for ${k}`);
      if (!(n.testAcc >= 0.8)) throw new Error(`${k}: test accuracy ${n.testAcc} is below 0.8`);
      if (!(n.trainAcc >= 0.9)) throw new Error(`${k}: training accuracy ${n.trainAcc} is below 0.9`);
      if (!(Number.isFinite(n.sharpness) && n.sharpness > 0)) throw new Error(`${k}: sharpness ${n.sharpness} is not a finite positive number`);
    }
    // Seeds are fixed, and the quick run's large-batch minimum comes out some 30% sharper.
    if (!(r.lb.sharpness > r.sb.sharpness)) throw new Error(`the large-batch minimum is not sharper: λmax ${r.lb.sharpness} (LB) vs ${r.sb.sharpness} (SB)`);
    if (!(r.lb.batch > r.sb.batch)) throw new Error(`the large batch (${r.lb.batch}) is not larger than the small one (${r.sb.batch})`);
    for (const p of ['98.03', '97.81']) if (!r.tableText?.includes(p)) throw new Error(`the table does not show the paper's ${p}%`);
    const curve = [...(r.interp?.train ?? []), ...(r.interp?.test ?? []), ...(r.around?.sb ?? []), ...(r.around?.lb ?? [])];
    if (curve.length !== 2 * 25 + 2 * 21 || !curve.every(Number.isFinite)) throw new Error(`the line losses are missing or not finite (${curve.length} values)`);
    // At α = 0 and 1 the interpolation is the trained nets themselves: low training loss there.
    const at = (a) => r.interp.train[r.interp.alpha.findIndex((x) => Math.abs(x - a) < 1e-9)];
    if (!(at(0) < 0.5 && at(1) < 0.5)) throw new Error(`the interpolated training loss at the nets (α = 0, 1) is ${at(0)}, ${at(1)}, not low`);
    // Along the top eigenvector the centre is the lowest point: the trained weights are a minimum.
    for (const k of ['sb', 'lb']) {
      const c = r.around[k];
      const mid = c[(c.length - 1) >> 1];
      if (!(mid <= Math.min(...c) * 1.02 + 1e-6 && c[0] > mid && c[c.length - 1] > mid)) throw new Error(`${k}: the loss along the sharpest direction is not lowest at the trained weights (${c.map((v) => v.toFixed(3)).join(' ')})`);
    }
    return `test ${(100 * r.sb.testAcc).toFixed(1)}% (SB ${r.sb.batch}) vs ${(100 * r.lb.testAcc).toFixed(1)}% (LB ${r.lb.batch}); λmax ${r.sb.sharpness.toFixed(2)} vs ${r.lb.sharpness.toFixed(2)}; ${r.seconds.toFixed(0)} s`;
  },
};
