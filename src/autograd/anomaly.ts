// Anomaly detection: which op first produced NaN or Inf, in forward or in backward.
//
// Design: GPU-side, so turning it on adds no readbacks. After every op (the apply hook, which also sees
// the ops a backward rule runs) a flag kernel marks the output's non-finite elements, a max reduction
// folds them to one number, and a one-element int32 state is advanced: state = first op index whose
// output was bad, or -1. The CPU keeps only a list of (op, phase, shape) records; the state is read
// when the user asks, with `await wg.checkAnomaly()`, which throws a WebGradError naming the op and
// the phase (and, in backward, the op whose gradient was being computed). `wg.withAnomaly(fn)` runs
// fn with detection on and checks at the end. Cost while on: three small dispatches per op and one
// record per op until the next check (call checkAnomaly every so often in long runs). Off by default.
//
// Phase: while on, the graph's backward hook labels ops run inside a rule "backward of <op>" and checks
// the gradients the rule returns too (a rule may build them with kernels directly); the backwardPass
// hook labels the summing and broadcast reduction around the rules. Turning detection off clears the
// hooks; nothing else is rewritten.
import { fail, shapeStr } from '../device/index.ts';
import { map, reduce, type View } from '../kernels/index.ts';
import { empty, full, keep, type Tensor } from '../tensor/index.ts';
import { hooks, type GraphHooks } from './graph.ts';

interface OpRecord {
  op: string;
  /** The op whose gradient was being computed, for ops run inside a backward rule. */
  backwardOf: string | null;
  shape: readonly number[];
}

// Views share their input's storage and cannot create a NaN; checking them would only cost time.
const VIEW_OPS = new Set(['reshape', 'permute', 'expand', 'slice', 'detach']);

let enabled = false;
let state: Tensor | null = null;
let base = 0;
let records: OpRecord[] = [];
const inBackward: string[] = [];
let inBackwardCall = 0;
const checked = new WeakSet<Tensor>();

const FLAG = { name: 'anomalyFlag', expr: 'select(0.0, 1.0, is_nan(a) || is_inf(a))', ct: 'f32' as const };
const FIRST = { name: 'anomalyFirst', expr: 'select(a, u.ialpha, a < 0 && b > 0)', ct: 'i32' as const };

function check(t: Tensor, op: string): void {
  if (!state || t.dtype !== 'float32' || t.numel() === 0 || t.isDisposed || checked.has(t)) return;
  checked.add(t);
  const k = base + records.length;
  const during = inBackward[inBackward.length - 1] ?? (inBackwardCall ? 'the graph (summing gradients)' : null);
  records.push({ op, backwardOf: during, shape: [...t.shape] });
  const dev = t.dev;
  const flags = empty([t.numel()], 'float32', 'detectAnomaly');
  map(dev, FLAG, [t], { buffer: flags.buffer, dtype: 'float32', shape: t.shape, strides: contiguous(t.shape), offset: 0 });
  const any = empty([1], 'float32', 'detectAnomaly');
  reduce(dev, 'max', flags, [0], any);
  const next = empty([1], 'int32', 'detectAnomaly');
  map(dev, FIRST, [state, any as View], next, { alpha: k });
  flags.dispose();
  any.dispose();
  state.dispose();
  state = keep(next);
}

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) ((st[i] = acc), (acc *= shape[i]!));
  return st;
}

const ANOMALY_HOOKS: GraphHooks = {
  afterOp(op, out) {
    if (!VIEW_OPS.has(op)) check(out, op);
  },
  backward(op, run) {
    inBackward.push(op);
    try {
      const grads = run();
      for (const gi of grads) if (gi) check(gi, `${op}'s backward`);
      return grads;
    } finally {
      inBackward.pop();
    }
  },
  backwardPass(run) {
    inBackwardCall++;
    try {
      run();
    } finally {
      inBackwardCall--;
    }
  },
};

/**
 * Turns anomaly detection on or off. While on, the first op whose output holds NaN or Inf is recorded
 * on the GPU; `await checkAnomaly()` reports it.
 */
export function detectAnomaly(on: boolean): void {
  if (on === enabled) return;
  enabled = on;
  if (on) {
    state = keep(full([1], -1, { dtype: 'int32' }));
    base = 0;
    records = [];
    Object.assign(hooks, ANOMALY_HOOKS);
  } else {
    Object.assign(hooks, { afterOp: null, backward: null, backwardPass: null } satisfies GraphHooks);
    state?.dispose();
    state = null;
    records = [];
  }
}

export function isAnomalyEnabled(): boolean {
  return enabled;
}

/**
 * Reads the anomaly state (one 4-byte readback) and throws a WebGradError naming the first op that
 * produced NaN or Inf since detection was enabled or last checked. Resolves quietly when none did, or
 * when detection is off.
 */
export async function checkAnomaly(): Promise<void> {
  if (!state) return;
  const upto = base + records.length;
  const s = state;
  const v = (await s.data())[0]!;
  if (v < 0 || !state) {
    // Records made while the read was in flight stay; older ones can no longer be reported.
    records = records.slice(upto - base);
    base = upto;
    return;
  }
  const rec = records[v - base];
  state.dispose();
  state = keep(full([1], -1, { dtype: 'int32' }));
  base = base + records.length;
  records = [];
  const what = rec ? `${rec.op} produced NaN/Inf in ${rec.backwardOf ? `backward (computing the gradient of ${rec.backwardOf})` : 'forward'}` : `op #${v} produced NaN/Inf`;
  fail(
    'detectAnomaly',
    `${what}; output ${rec ? shapeStr(rec.shape) : '?'}, op #${v} since detection was enabled`,
    'look at that op\'s inputs: log, sqrt or pow of values <= 0, division by zero, exp overflow, or a learning rate so high that weights diverge',
  );
}

/** Runs fn with anomaly detection on, then checks: throws naming the first op that produced NaN/Inf. */
export async function withAnomaly<T>(fn: () => T | Promise<T>): Promise<T> {
  const was = enabled;
  detectAnomaly(true);
  try {
    const r = await fn();
    await checkAnomaly();
    return r;
  } finally {
    if (!was) detectAnomaly(false);
  }
}
