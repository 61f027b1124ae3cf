// Loss landscape: the trained weights sit at the bottom of the random slice, the corners are clearly
// higher, and the saved path has enough points and ends at the centre.
export default {
  query: '?quick',
  timeoutMs: 150_000,
  check(r) {
    const G = r.grid;
    if (!(G >= 11 && G % 2 === 1)) throw new Error(`grid size ${G} is not an odd size >= 11`);
    for (const k of ['random', 'principal']) {
      const s = r[k];
      if (!s || s.G !== G) throw new Error(`${k}: no ${G}×${G} grid in the result`);
      if (![s.center, s.min, ...s.corners].every((v) => Number.isFinite(v) && v > 0)) throw new Error(`${k}: non-finite losses (${JSON.stringify(s)})`);
    }
    const rs = r.random;
    if (!(rs.center <= 1.05 * rs.min)) throw new Error(`random slice: the loss at θ* (${rs.center}) is more than 5% above the grid minimum (${rs.min} at ${rs.minAt})`);
    const [row, col] = rs.minCell;
    const c = (G - 1) >> 1;
    if (Math.max(Math.abs(row - c), Math.abs(col - c)) > G / 8) throw new Error(`random slice: the minimum is at cell ${rs.minCell}, far from the centre ${c}`);
    if (!(Math.min(...rs.corners) > 2 * rs.center)) throw new Error(`random slice: corners ${rs.corners.map((v) => v.toFixed(3))} are not clearly above the centre ${rs.center.toFixed(3)}`);
    const ps = r.principal;
    // Adam has not converged after a few epochs, so along the path's own direction the loss may still
    // fall past θ*; but the path came down from much higher ground.
    if (!(ps.startLoss > 2 * ps.center)) throw new Error(`principal slice: the loss where the path starts (${ps.startLoss}) is not clearly above θ*'s (${ps.center})`);
    if (!(ps.meanCorner > 1.5 * ps.center)) throw new Error(`principal slice: the corners (${ps.meanCorner}) are not clearly above the centre (${ps.center})`);
    for (const k of ['random', 'principal']) {
      const s = r[k];
      if (!(s.pathPoints >= 20)) throw new Error(`${k}: the path has only ${s.pathPoints} points`);
      const scale = Math.max(...s.range);
      if (!(Math.hypot(...s.last) < 1e-3 * scale)) throw new Error(`${k}: the path ends at ${s.last}, not at the centre`);
    }
    // The principal plane contains most of the path: it starts far out, inside the drawn grid.
    const first = r.principal.first;
    const [ra, rb] = r.principal.range;
    if (!(Math.abs(first[0]) > 0.3 * ra && Math.abs(first[0]) <= ra && Math.abs(first[1]) <= rb)) throw new Error(`principal slice: the path starts at ${first}, not far out inside the grid ±${ra}, ±${rb}`);
    if (!(r.principal.explained[0] > 0.3)) throw new Error(`the first principal direction explains only ${r.principal.explained[0]} of the path's variance`);
    return `${G}×${G}: loss at θ* ${rs.center.toFixed(3)} (grid min ${rs.min.toFixed(3)}), corners ≥ ${Math.min(...rs.corners).toFixed(2)}; path of ${rs.pathPoints} points; ${r.seconds.toFixed(0)} s`;
  },
};
