// One chart card per tag, as TensorBoard's scalars tab: every visible run is a color, drawn twice, the
// raw curve faint and its smoothed curve on top. A card rebuilds its uPlot only when the set of runs or
// the x axis changes; new points only replace the data.
import { lineChart } from '../lib/chart.js';
import { align, series, smooth } from './runs.js';

const X_LABEL = { step: 'step', relative: 'relative time (s)', wall: 'wall time' };
const SPARSE = new Set(['test/loss', 'test/accuracy', 'train/accuracy']);

export class TagChart {
  constructor(el, { tag, title, yLabel, yRange, scale = 1, smoothed = true }) {
    // `scale` multiplies the values drawn (uPlot's default ticks show at most 3 decimals); a schedule
    // such as lr is not noisy, so it is drawn as it is (`smoothed: false`).
    Object.assign(this, { el, tag, title, yLabel, yRange, scale, smoothed });
    this.chart = null;
    this.key = '';
    this.drawn = [];
  }

  render(runs, { xMode, smoothing }) {
    const withData = runs.map((r) => {
      const s = series(r, this.tag, xMode);
      return { run: r, s: this.scale === 1 ? s : { x: s.x, y: s.y.map((v) => v * this.scale) } };
    });
    const key = `${xMode}|${withData.map(({ run }) => `${run.name}:${run.color}`).join('|')}`;
    if (key !== this.key || !this.chart) {
      this.chart?.plot.destroy();
      this.el.textContent = '';
      this.key = key;
      const list = withData.flatMap(({ run }) => [
        ...(this.smoothed ? [{ label: `${run.name} (raw)`, color: `${run.color}44`, width: 1 }] : []),
        { label: run.name, color: run.color, width: 2, points: SPARSE.has(this.tag) },
      ]);
      this.chart = lineChart(this.el, {
        title: this.title,
        xLabel: X_LABEL[xMode],
        yLabel: this.yLabel,
        series: list.length ? list : [{ label: 'no runs', color: '#ccc' }],
        width: this.el.clientWidth || 540,
        height: 230,
        yRange: this.yRange,
        xTime: xMode === 'wall',
        legend: false,
      });
    }
    const lines = withData.flatMap(({ s }) => (this.smoothed ? [s, { x: s.x, y: smooth(s.y, smoothing) }] : [s]));
    const { x, ys } = align(lines);
    this.drawn = withData.map(({ run, s }, i) => ({ run: run.name, points: s.x.length, lastRaw: s.y.at(-1) ?? null, lastDrawn: ys[this.smoothed ? 2 * i + 1 : i]?.findLast((v) => v !== null) ?? null }));
    if (!lines.length) this.chart.setData([], []);
    else this.chart.setData(x, ...ys);
  }
}
