// Runs as the dashboard keeps them: a name, a color and the scalar records in webgrad's format
// ({tag, step, wallTime, value}, as wg.train.ScalarLogger writes them and `npm start` saves them to
// scalars.jsonl). Series for a chart are cut from the records per tag; the x axis is the optimizer
// step, the seconds since the run's first record, or the wall clock.
import * as wg from 'webgrad';
import { COLORS } from '../lib/chart.js';

export const TAGS = ['train/loss', 'test/loss', 'train/accuracy', 'test/accuracy', 'lr'];

export class RunStore {
  constructor() {
    this.runs = [];
    this.filter = null;
  }

  /** Adds a run; `records` is the live array a memorySink fills, or the records parsed from a file. */
  add({ name, source, records, info = '' }) {
    const taken = new Set(this.runs.map((r) => r.name));
    let unique = name;
    for (let k = 2; taken.has(unique); k++) unique = `${name} (${k})`;
    const run = { name: unique, source, records, info, status: source === 'file' ? 'loaded' : 'starting', color: COLORS[this.runs.length % COLORS.length] };
    this.runs.push(run);
    return run;
  }

  /** Sets the regex over run names; returns false (and filters nothing) when it does not compile. */
  setFilter(text) {
    if (!text) {
      this.filter = null;
      return true;
    }
    try {
      this.filter = new RegExp(text, 'i');
      return true;
    } catch {
      this.filter = null;
      return false;
    }
  }

  visible() {
    return this.runs.filter((r) => !this.filter || this.filter.test(r.name));
  }
}

/** The points of one tag, x per `xMode` ('step' | 'relative' | 'wall'), in step order, NaN skipped. */
export function series(run, tag, xMode) {
  const t0 = run.records.length ? Math.min(...run.records.map((r) => r.wallTime)) : 0;
  const pts = run.records.filter((r) => r.tag === tag && Number.isFinite(r.value)).sort((a, b) => a.step - b.step || a.wallTime - b.wallTime);
  const x = pts.map((r) => (xMode === 'step' ? r.step : xMode === 'relative' ? r.wallTime - t0 : r.wallTime));
  return { x, y: pts.map((r) => r.value) };
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight `w` in [0, 1), debiased so the
 * first points are not pulled towards zero (the running value is divided by 1 - w^k).
 */
export function smooth(values, w) {
  let last = 0;
  let k = 0;
  return values.map((v) => {
    last = last * w + (1 - w) * v;
    k++;
    return w > 0 ? last / (1 - w ** k) : v;
  });
}

/**
 * Puts several series on one shared, sorted x array (what uPlot wants), with null where a series has
 * no point at that x.
 */
export function align(list) {
  const xs = [...new Set(list.flatMap((s) => s.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = list.map((s) => {
    const y = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => (y[at.get(x)] = s.y[i]));
    return y;
  });
  return { x: xs, ys };
}

/** The run's records as scalars.csv and scalars.jsonl text, through webgrad's own formatters. */
export function csvText(run) {
  return wg.train.CSV_HEADER + run.records.map((r) => wg.train.toCsv(r)).join('');
}
export function jsonlText(run) {
  return run.records.map((r) => wg.train.toJsonl(r)).join('');
}

/** Parses scalars.jsonl text with wg.train.parseJsonl and checks that every line is a scalar record. */
export function parseScalars(text, file) {
  let records;
  try {
    records = wg.train.parseJsonl(text);
  } catch (e) {
    throw new Error(`${file}: not JSON lines (${e.message})`);
  }
  const bad = records.findIndex((r) => typeof r?.tag !== 'string' || !Number.isFinite(r.step) || !Number.isFinite(r.wallTime) || typeof r.value !== 'number');
  if (bad >= 0) throw new Error(`${file}: line ${bad + 1} is not a {tag, step, wallTime, value} record`);
  if (!records.length) throw new Error(`${file}: no records`);
  return records;
}

/** The last value of a tag, or NaN. */
export function lastValue(run, tag) {
  let best = null;
  for (const r of run.records) if (r.tag === tag && (!best || r.step >= best.step)) best = r;
  return best ? best.value : NaN;
}
