// Line charts through uPlot. `lineChart(el, opts)` returns {setData(x, ...ys), plot}; series may
// have gaps (null). Sizes follow the container's width.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

// uPlot's default tick labels round to three decimals, so a log axis below 1e-3 reads 0, 0, 0.
const logTick = (v) => (v == null ? '' : v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(0).replace('e+', 'e') : String(+v.toPrecision(3)));

/**
 * opts: {title, xLabel, yLabel, series: [{label, color?, dash?, width?}], width?, height?, logY?,
 * yRange?: [min, max], xTime?: boolean, integerX?: boolean (whole-number x ticks; the default when
 * xLabel is 'epoch')}
 */
export function lineChart(el, opts) {
  const width = opts.width ?? Math.max(280, Math.min(el.clientWidth || 480, 720));
  const series = [
    { label: opts.xLabel ?? 'step' },
    ...opts.series.map((s, i) => ({
      label: s.label,
      stroke: s.color ?? COLORS[i % COLORS.length],
      width: s.width ?? 2,
      dash: s.dash,
      spanGaps: true,
      points: { show: s.points ?? false },
    })),
  ];
  const plot = new uPlot(
    {
      title: opts.title,
      width,
      height: opts.height ?? 260,
      series,
      scales: {
        x: { time: opts.xTime ?? false },
        y: { distr: opts.logY ? 3 : 1, ...(opts.yRange ? { range: opts.yRange } : {}) },
      },
      axes: [
        { label: opts.xLabel ?? 'step', labelSize: 20, size: 40, ...((opts.integerX ?? opts.xLabel === 'epoch') ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}) },
        { label: opts.yLabel ?? '', labelSize: 20, size: 56, ...(opts.logY ? { values: (u, splits) => splits.map(logTick) } : {}) },
      ],
      legend: { show: opts.legend ?? true },
      cursor: { drag: { x: true, y: false } },
    },
    [[], ...opts.series.map(() => [])],
    el,
  );
  return {
    plot,
    setData(x, ...ys) {
      plot.setData([x, ...ys]);
    },
  };
}
