// Float64 CPU references. A reference tensor is a flat Float64Array plus its shape, row-major.
// Tolerances: float32 kernels are compared with |got - want| <= atol + rtol * |want|, default
// rtol = 1e-4, atol = 1e-5; NaN must match NaN and +-Inf must match exactly, so NaN never passes silently.

export interface Ref {
  data: Float64Array;
  shape: number[];
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) ((s[i] = acc), (acc *= shape[i]!));
  return s;
}

/** Deterministic random numbers (mulberry32) so a failing case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi), rounded to float32 so the GPU sees exactly the reference's inputs. */
export function randomRef(shape: readonly number[], seed: number, lo = -1, hi = 1): Ref {
  const r = rng(seed);
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(lo + (hi - lo) * r());
  return { data, shape: [...shape] };
}

export function randomInts(shape: readonly number[], seed: number, lo: number, hi: number): Ref {
  const r = rng(seed);
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + Math.floor((hi - lo) * r());
  return { data, shape: [...shape] };
}

/** Maps a function over broadcast operands (NumPy rules). */
export function broadcastMap(f: (...xs: number[]) => number, ...refs: Ref[]): Ref {
  const nd = Math.max(...refs.map((r) => r.shape.length));
  const shape = new Array(nd).fill(1);
  for (const r of refs)
    r.shape.forEach((v, i) => {
      const d = nd - r.shape.length + i;
      if (v !== 1) {
        if (shape[d] !== 1 && shape[d] !== v) throw new Error(`reference: cannot broadcast ${r.shape}`);
        shape[d] = v;
      }
    });
  const out = new Float64Array(numel(shape));
  const st = refs.map((r) => {
    const s = strides(r.shape);
    return shape.map((_, d) => {
      const k = d - (nd - r.shape.length);
      return k >= 0 && r.shape[k] !== 1 ? s[k]! : 0;
    });
  });
  const idx = new Array(nd).fill(0);
  const args = new Array(refs.length);
  for (let i = 0; i < out.length; i++) {
    let rem = i;
    for (let d = nd - 1; d >= 0; d--) ((idx[d] = rem % shape[d]), (rem = Math.floor(rem / shape[d])));
    for (let k = 0; k < refs.length; k++) {
      let off = 0;
      for (let d = 0; d < nd; d++) off += idx[d] * st[k]![d]!;
      args[k] = refs[k]!.data[off];
    }
    out[i] = f(...args);
  }
  return { data: out, shape };
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Returns null when close, else a message naming the first bad index. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance = {}): string | null {
  const rtol = tol.rtol ?? 1e-4;
  const atol = tol.atol ?? 1e-5;
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  let bad = 0;
  let first = '';
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    let ok: boolean;
    if (Number.isNaN(w)) ok = Number.isNaN(g);
    else if (!Number.isFinite(w)) ok = g === w;
    else ok = Number.isFinite(g) && Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok && bad++ === 0) first = `index ${i}: got ${g}, want ${w}`;
  }
  return bad ? `${bad} of ${got.length} elements differ (rtol=${rtol}, atol=${atol}); first at ${first}` : null;
}

/** Throws with a useful message unless `got` matches `want` within tolerance. */
export function assertClose(got: ArrayLike<number>, want: Ref | ArrayLike<number>, tol: Tolerance = {}, label = ''): void {
  const w = 'data' in (want as Ref) ? (want as Ref).data : (want as ArrayLike<number>);
  const msg = compare(got, w, tol);
  if (msg) throw new Error(`${label ? label + ': ' : ''}${msg}`);
}
