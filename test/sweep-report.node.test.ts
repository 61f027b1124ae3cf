// The sweep's cliff report (bench/sweep-report.mjs) on made-up results: a real cliff and a shape slower
// than a peer are reported; a floor-level difference inside the shape's own round-to-round spread, or
// below the resolution of the run, is not.
import { describe, expect, it } from 'vitest';

type Timing = { ms: number; msAll: number[] };
interface Row { id: string; failed?: string }
interface Cliff { row: Row; kind: 'neighbour' | 'peer'; than: Row | null; factor: number }
interface Report {
  sweepRows(results: unknown): Row[];
  cliffs(rows: Row[]): Cliff[];
}

const mod = '../bench/sweep-report.mjs';
const { sweepRows, cliffs } = (await import(/* @vite-ignore */ mod)) as Report;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const t = (...msAll: number[]): Timing => ({ ms: median(msAll), msAll });

/** A reduce workload of family `f` over [d0, d1] with webgrad's and one peer's rounds. */
function w(d0: number, d1: number, webgrad: Timing, tfjs: Timing) {
  return {
    id: `sw-sum-${d0}x${d1}`, label: `sum([${d0},${d1}])`, kind: 'reduce', family: 'f', dims: { d0, d1 },
    metric: 'GB/s', bytes: 4 * d0 * d1,
    check: { engines: { webgrad: { ok: true }, tfjs: { ok: true } } },
    timings: { webgrad, tfjs },
  };
}

const report = (...workloads: ReturnType<typeof w>[]) => cliffs(sweepRows({ workloads }));

describe('sweep cliff report', () => {
  it('reports a shape slower than a neighbour with twice the work, in every round', () => {
    const c = report(w(4, 1, t(9, 10, 11), t(20, 20, 20)), w(32, 1, t(1, 1, 1.1), t(20, 20, 20)));
    expect(c.map((x) => [x.kind, x.row.id, x.than?.id])).toEqual([['neighbour', 'sw-sum-4x1', 'sw-sum-32x1']]);
    expect(c[0]!.factor).toBeCloseTo(10);
  });

  it("does not report a difference within the shape's own spread at the floor", () => {
    // Median 0.087 against 0.059 (past the 15 % margin), but the fastest round, 0.05, is faster still.
    expect(report(w(4, 1, t(0.05, 0.087, 0.18), t(1, 1, 1)), w(32, 1, t(0.055, 0.059, 0.07), t(1, 1, 1)))).toEqual([]);
    // Within 15 %: equal.
    expect(report(w(4, 1, t(0.065, 0.066, 0.067), t(1, 1, 1)), w(32, 1, t(0.06, 0.06, 0.06), t(1, 1, 1)))).toEqual([]);
  });

  it("does not report a difference below the resolution, the IQR of the fastest shape's rounds", () => {
    // The fastest shape's rounds: IQR 0.053 - 0.035 = 0.018 ms. [4,4] is slower than [32,4] in its median
    // (0.087 against 0.051) and in its fastest round (0.055), but only by 0.004 ms.
    const floor = { ...w(1, 1, t(0.03, 0.034, 0.035, 0.04, 0.05, 0.053, 0.054), t(1, 1, 1)), family: 'g' };
    const slow = w(4, 4, t(0.055, 0.061, 0.087, 0.088, 0.091), t(1, 1, 1));
    expect(report(floor, slow, w(32, 4, t(0.05, 0.051, 0.051, 0.06), t(1, 1, 1)))).toEqual([]);
    // The same shapes 0.03 ms apart in every round are a cliff.
    const c = report(floor, w(4, 4, t(0.085, 0.09, 0.1), t(1, 1, 1)), w(32, 4, t(0.05, 0.051, 0.051, 0.06), t(1, 1, 1)));
    expect(c.map((x) => [x.kind, x.row.id, x.than?.id])).toEqual([['neighbour', 'sw-sum-4x4', 'sw-sum-32x4']]);
  });

  it('does not compare shapes of another family or with less than twice the work', () => {
    const other = { ...w(32, 1, t(1, 1, 1), t(20, 20, 20)), family: 'g' };
    expect(report(w(4, 1, t(10, 10, 10), t(20, 20, 20)), other)).toEqual([]);
    expect(report(w(4, 1, t(10, 10, 10), t(20, 20, 20)), w(7, 1, t(1, 1, 1), t(20, 20, 20)))).toEqual([]);
  });

  it('reports a shape slower than the best peer beyond 15 %', () => {
    const c = report(w(4, 1, t(2, 2, 2), t(1, 1, 1)));
    expect(c.map((x) => [x.kind, x.row.id])).toEqual([['peer', 'sw-sum-4x1']]);
    expect(c[0]!.factor).toBeCloseTo(2);
    expect(report(w(4, 1, t(1.1, 1.1, 1.1), t(1, 1, 1)))).toEqual([]);
  });
});
