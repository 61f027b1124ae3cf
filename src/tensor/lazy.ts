// Elementwise fusion. A float32 elementwise op whose inputs are plain tensors or other pending chains
// does not dispatch at once: its output storage is allocated and marked pending with a small program of
// `let` statements over at most three leaf inputs and four scalars. A later elementwise op of the same
// shape extends the program instead of reading the buffer. The chain becomes one map dispatch when its
// buffer is first read; a chain never read is never run. Before any kernel writes into a buffer that a
// pending chain reads (optimizers update in place), the device's beforeWork hook, set with the first
// chain, realizes that chain.
import { map, type View } from '../kernels/index.ts';
import { currentDevice } from './context.ts';
import type { Pending, Storage } from './memory.ts';
import { sameShape } from './shape.ts';
import { empty, type Tensor } from './tensor.ts';

const MAX_LEAVES = 3;
const MAX_SCALARS = 4;
const MAX_STMTS = 24;
const LEAF_VARS = ['a', 'b', 'c'];
const SLOT_EXPR = ['u.alpha', 'u.beta', 'bitcast<f32>(u.ialpha)', 'bitcast<f32>(u.ibeta)'];

interface Leaf {
  storage: Storage;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** A program: statements binding $T0.. over leaves $L0.. and scalars $S0..; the result is the last temp. */
interface Program {
  stmts: string[];
  leaves: Leaf[];
  scalars: number[];
}

class Chain implements Pending {
  constructor(
    readonly prog: Program,
    readonly out: Tensor,
    readonly name: string,
  ) {}
  run(): void {
    pending.delete(this);
    const { stmts, leaves, scalars } = this.prog;
    const sub = (s: string) =>
      s
        .replace(/\$L(\d+)/g, (_, k) => LEAF_VARS[+k]!)
        .replace(/\$S(\d+)/g, (_, k) => SLOT_EXPR[+k]!)
        .replace(/\$T(\d+)/g, (_, k) => `t${k}`);
    const pre = stmts.map((s, i) => `let t${i} = ${sub(s)};`).join(' ');
    const views: View[] = leaves.map((l) => ({ buffer: l.storage.buffer, dtype: 'float32', shape: l.shape, strides: l.strides, offset: l.offset }));
    const out = this.out.storage;
    // Chains that read this output were recorded after it and must see it written, so the beforeWork
    // hook must not realize them ahead of this dispatch.
    filling = out.unrealized;
    try {
      map(out.dev, { name: this.name, expr: `t${stmts.length - 1}`, ct: 'f32', pre }, views, { buffer: out.unrealized, dtype: 'float32', shape: this.out.shape, strides: this.out.strides, offset: 0 }, { slots: scalars });
    } finally {
      filling = null;
    }
    this.drop();
  }
  drop(): void {
    pending.delete(this);
    for (const l of this.prog.leaves) l.storage.release();
  }
}

const pending = new Set<Chain>();
let enabled = true;
let filling: GPUBuffer | null = null;

/** Turns elementwise fusion on or off (on by default); off dispatches every op at once. */
export function setFusion(on: boolean): void {
  if (!on) realizeAll();
  enabled = on;
}

export function fusionEnabled(): boolean {
  return enabled;
}

/** Records every pending chain. Called before any other GPU work. */
export function realizeAll(): void {
  const dev = currentDevice();
  // Realizing one chain can realize others (its leaves), so each is checked again before running.
  for (const c of [...pending]) {
    if (!pending.has(c)) continue;
    // Work recorded for a lost or replaced device is dropped, never sent to the current one.
    if (!dev || c.out.storage.dev !== dev || dev.lost) {
      c.out.storage.pending = null;
      c.drop();
    } else void c.out.storage.buffer;
  }
}

/** Realizes the chains that read any of `written`. */
function realizeReaders(written: readonly GPUBuffer[]): void {
  if (!pending.size) return;
  for (const c of [...pending])
    if (pending.has(c) && c.prog.leaves.some((l) => l.storage.unrealized !== filling && written.includes(l.storage.unrealized))) void c.out.storage.buffer;
}

export interface Operand {
  t: Tensor;
  /** Strides of `t` broadcast to the output shape. */
  strides: readonly number[];
}

function programOf(op: Operand, shape: readonly number[]): Program {
  const p = op.t.storage.pending;
  const whole = op.t.offset === 0 && op.t.isContiguous() && sameShape(op.t.shape, shape);
  // The chain's leaves are indexed by its own shape, so a reshaped view of it is read as a leaf instead.
  if (p instanceof Chain && whole && sameShape(p.out.shape, shape)) return p.prog;
  return { stmts: ['$L0'], leaves: [{ storage: op.t.storage, shape, strides: op.strides, offset: op.t.offset }], scalars: [] };
}

function shift(stmt: string, t: number, l: number[], s: number[]): string {
  return stmt
    .replace(/\$T(\d+)/g, (_, k) => `$T${+k + t}`)
    .replace(/\$L(\d+)/g, (_, k) => `$L${l[+k]}`)
    .replace(/\$S(\d+)/g, (_, k) => `$S${s[+k]}`);
}

/**
 * Defers `expr` (over a, b and the scalars u.alpha, u.beta) into a chain when every operand is float32
 * and the merged program stays small; returns null to ask for an ordinary dispatch.
 */
export function deferMap(name: string, expr: string, operands: Operand[], scalars: { alpha?: number; beta?: number; scalarB?: number }, shape: readonly number[]): Tensor | null {
  if (!enabled || operands.length > 2 || operands.some((o) => o.t.dtype !== 'float32')) return null;
  const merged: Program = { stmts: [], leaves: [], scalars: [] };
  const seen = new Map<Program, number>();
  const results: string[] = [];
  for (const o of operands) {
    const prog = programOf(o, shape);
    const again = seen.get(prog);
    if (again !== undefined) {
      results.push(`$T${again}`);
      continue;
    }
    const lmap = prog.leaves.map((l) => {
      const i = merged.leaves.findIndex((m) => m.storage === l.storage && m.offset === l.offset && m.strides.every((v, k) => v === l.strides[k]));
      return i >= 0 ? i : merged.leaves.push(l) - 1;
    });
    const smap = prog.scalars.map((v) => {
      const i = merged.scalars.indexOf(v);
      return i >= 0 ? i : merged.scalars.push(v) - 1;
    });
    const base = merged.stmts.length;
    for (const st of prog.stmts) merged.stmts.push(shift(st, base, lmap, smap));
    seen.set(prog, merged.stmts.length - 1);
    results.push(`$T${merged.stmts.length - 1}`);
  }
  const slot = (v: number | undefined) => {
    if (v === undefined) return '0.0';
    const i = merged.scalars.indexOf(v);
    return `$S${i >= 0 ? i : merged.scalars.push(v) - 1}`;
  };
  const alpha = slot(scalars.alpha);
  const beta = slot(scalars.beta);
  const bScalar = scalars.scalarB === undefined ? '0.0' : slot(scalars.scalarB);
  const body = expr
    .replace(/\bu\.alpha\b/g, alpha)
    .replace(/\bu\.beta\b/g, beta)
    .replace(/\b[ab]\b/g, (m) => (m === 'a' ? results[0]! : results[1] ?? bScalar));
  merged.stmts.push(body);
  if (merged.leaves.length > MAX_LEAVES || merged.scalars.length > MAX_SCALARS || merged.stmts.length > MAX_STMTS) return null;
  for (const l of merged.leaves) l.storage.retain();
  const out = empty(shape, 'float32', name);
  // Chains exist only from here on, so this is where their device learns to realize them before work.
  out.dev.beforeWork = realizeReaders;
  const chain = new Chain(merged, out, `fused:${name}`);
  out.storage.pending = chain;
  pending.add(chain);
  return out;
}
