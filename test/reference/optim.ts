// Float64 references for src/optim, written from torch.optim's single-tensor algorithms (SGD, Adagrad,
// RMSprop, Adam/AdamW), torch.optim.lr_scheduler (in closed form where torch's recursion equals it) and
// torch.nn.utils.clip_grad_norm_/clip_grad_value_. Each optimizer updates Float64Array parameters in
// place; `grads[k] === null` skips parameter k, as a parameter without .grad is skipped.

export type Grads = (Float64Array | null)[];

interface Common {
  lr: number;
  weightDecay?: number;
  maximize?: boolean;
}

export interface RefOptimizer {
  o: Common;
  step(ps: Float64Array[], gs: Grads, noise?: (Float64Array | null)[]): void;
}

/** The gradient after maximize, noise and (coupled) weight decay, as each algorithm starts. */
function prep(o: Common, p: Float64Array, g: Float64Array, noise?: Float64Array | null): Float64Array {
  const wd = o.weightDecay ?? 0;
  // torch skips the decay term when weightDecay is 0 (0 * inf would be NaN).
  return g.map((v, j) => (o.maximize ? -v : v) + (noise ? noise[j]! : 0) + (wd !== 0 ? wd * p[j]! : 0));
}

export interface SGDRefOptions extends Common {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

export class SGDRef implements RefOptimizer {
  buf: (Float64Array | null)[] = [];
  constructor(public o: SGDRefOptions) {}
  step(ps: Float64Array[], gs: Grads, noise?: (Float64Array | null)[]): void {
    const m = this.o.momentum ?? 0;
    const damp = this.o.dampening ?? 0;
    ps.forEach((p, k) => {
      const g = gs[k];
      if (!g) return;
      let d = prep(this.o, p, g, noise?.[k]);
      if (m !== 0) {
        let b = this.buf[k];
        if (!b) b = this.buf[k] = d.slice();
        else for (let j = 0; j < b.length; j++) b[j] = m * b[j]! + (1 - damp) * d[j]!;
        const bb = b;
        d = this.o.nesterov ? d.map((v, j) => v + m * bb[j]!) : bb.slice();
      }
      for (let j = 0; j < p.length; j++) p[j] = p[j]! - this.o.lr * d[j]!;
    });
  }
}

export interface AdaGradRefOptions extends Common {
  lrDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class AdaGradRef implements RefOptimizer {
  sum: Float64Array[] = [];
  steps: number[] = [];
  constructor(public o: AdaGradRefOptions) {}
  step(ps: Float64Array[], gs: Grads): void {
    const eps = this.o.eps ?? 1e-10;
    ps.forEach((p, k) => {
      const g0 = gs[k];
      if (!g0) return;
      this.sum[k] ??= new Float64Array(p.length).fill(this.o.initialAccumulatorValue ?? 0);
      const t = (this.steps[k] = (this.steps[k] ?? 0) + 1);
      const g = prep(this.o, p, g0);
      const clr = this.o.lr / (1 + (t - 1) * (this.o.lrDecay ?? 0));
      const s = this.sum[k]!;
      for (let j = 0; j < p.length; j++) {
        s[j] = s[j]! + g[j]! * g[j]!;
        p[j] = p[j]! - (clr * g[j]!) / (Math.sqrt(s[j]!) + eps);
      }
    });
  }
}

export interface RMSPropRefOptions extends Common {
  alpha?: number;
  eps?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSPropRef implements RefOptimizer {
  sq: Float64Array[] = [];
  buf: Float64Array[] = [];
  gavg: Float64Array[] = [];
  constructor(public o: RMSPropRefOptions) {}
  step(ps: Float64Array[], gs: Grads): void {
    const a = this.o.alpha ?? 0.99;
    const eps = this.o.eps ?? 1e-8;
    const m = this.o.momentum ?? 0;
    ps.forEach((p, k) => {
      const g0 = gs[k];
      if (!g0) return;
      const n = p.length;
      const sq = (this.sq[k] ??= new Float64Array(n));
      const buf = (this.buf[k] ??= new Float64Array(n));
      const ga = (this.gavg[k] ??= new Float64Array(n));
      const g = prep(this.o, p, g0);
      for (let j = 0; j < n; j++) {
        sq[j] = a * sq[j]! + (1 - a) * g[j]! * g[j]!;
        let avg: number;
        if (this.o.centered) {
          ga[j] = a * ga[j]! + (1 - a) * g[j]!;
          avg = Math.sqrt(sq[j]! - ga[j]! * ga[j]!) + eps;
        } else avg = Math.sqrt(sq[j]!) + eps;
        if (m > 0) {
          buf[j] = m * buf[j]! + g[j]! / avg;
          p[j] = p[j]! - this.o.lr * buf[j]!;
        } else p[j] = p[j]! - (this.o.lr * g[j]!) / avg;
      }
    });
  }
}

export interface AdamRefOptions extends Common {
  betas?: [number, number];
  eps?: number;
  amsgrad?: boolean;
  /** AdamW: p *= 1 - lr * weightDecay instead of adding weightDecay * p to the gradient. */
  decoupled?: boolean;
}

export class AdamRef implements RefOptimizer {
  m: Float64Array[] = [];
  v: Float64Array[] = [];
  vmax: Float64Array[] = [];
  steps: number[] = [];
  constructor(public o: AdamRefOptions) {}
  step(ps: Float64Array[], gs: Grads): void {
    const [b1, b2] = this.o.betas ?? [0.9, 0.999];
    const eps = this.o.eps ?? 1e-8;
    const wd = this.o.weightDecay ?? 0;
    ps.forEach((p, k) => {
      const g0 = gs[k];
      if (!g0) return;
      const n = p.length;
      const m = (this.m[k] ??= new Float64Array(n));
      const v = (this.v[k] ??= new Float64Array(n));
      const vmax = (this.vmax[k] ??= new Float64Array(n));
      const t = (this.steps[k] = (this.steps[k] ?? 0) + 1);
      if (this.o.decoupled) for (let j = 0; j < n; j++) p[j] = p[j]! * (1 - this.o.lr * wd);
      const g = prep({ ...this.o, weightDecay: this.o.decoupled ? 0 : wd }, p, g0);
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      for (let j = 0; j < n; j++) {
        m[j] = b1 * m[j]! + (1 - b1) * g[j]!;
        v[j] = b2 * v[j]! + (1 - b2) * g[j]! * g[j]!;
        let vv = v[j]!;
        if (this.o.amsgrad) vv = vmax[j] = Math.max(vmax[j]!, v[j]!);
        const denom = Math.sqrt(vv) / Math.sqrt(bc2) + eps;
        p[j] = p[j]! - (this.o.lr / bc1) * (m[j]! / denom);
      }
    });
  }
}

/** The lr at each of epochs 0..n-1 (closed forms of torch's schedulers). */
export const schedules = {
  step: (base: number, stepSize: number, gamma: number) => (e: number) => base * gamma ** Math.floor(e / stepSize),
  exponential: (base: number, gamma: number) => (e: number) => base * gamma ** e,
  cosine: (base: number, tMax: number, etaMin: number) => (e: number) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2,
  linear: (base: number, start: number, end: number, n: number) => (e: number) => base * (start + ((end - start) * Math.min(e, n)) / n),
};

export interface PlateauRefOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLr: number;
  eps?: number;
}

/** The lr after each metric of `metrics`, simulating torch's ReduceLROnPlateau for one group. */
export function plateauRef(lr: number, metrics: number[], o: PlateauRefOptions): number[] {
  let best = o.mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  let cool = 0;
  const out: number[] = [];
  for (const x of metrics) {
    const better =
      o.mode === 'min'
        ? o.thresholdMode === 'rel' ? x < best * (1 - o.threshold) : x < best - o.threshold
        : o.thresholdMode === 'rel' ? x > best * (1 + o.threshold) : x > best + o.threshold;
    if (better) {
      best = x;
      bad = 0;
    } else bad++;
    if (cool > 0) {
      cool--;
      bad = 0;
    }
    if (bad > o.patience) {
      const next = Math.max(lr * o.factor, o.minLr);
      if (lr - next > (o.eps ?? 1e-8)) lr = next;
      cool = o.cooldown;
      bad = 0;
    }
    out.push(lr);
  }
  return out;
}

/** The joint p-norm of all gradients (p = Infinity for the max norm). */
export function totalNormRef(grads: Float64Array[], p: number): number {
  if (p === Infinity) return Math.max(...grads.flatMap((g) => Array.from(g, Math.abs)));
  let s = 0;
  for (const g of grads) for (const v of g) s += Math.abs(v) ** p;
  return s ** (1 / p);
}

/** clip_grad_norm_: the clipped gradients and the total norm. */
export function clipGradNormRef(grads: Float64Array[], maxNorm: number, p: number): { grads: Float64Array[]; total: number } {
  const total = totalNormRef(grads, p);
  const c = maxNorm / (total + 1e-6);
  const coef = Number.isNaN(c) ? c : Math.min(c, 1);
  return { grads: grads.map((g) => g.map((v) => v * coef)), total };
}

export function clipGradValueRef(grads: Float64Array[], clip: number): Float64Array[] {
  return grads.map((g) => g.map((v) => (Number.isNaN(v) ? v : Math.min(Math.max(v, -clip), clip))));
}
