// Shape arithmetic, checked: every helper names the op in its error, so callers need no checks of their own.
import { fail, shapeStr } from '../device/index.ts';

export type Shape = readonly number[];

export function checkSizes(op: string, shape: Shape): number[] {
  for (const s of shape)
    if (!Number.isInteger(s) || s < 0) fail(op, `sizes must be non-negative integers, got ${shapeStr(shape)}`, 'pass whole numbers >= 0');
  return [...shape];
}

export function normAxis(op: string, axis: number, ndim: number): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (!Number.isInteger(axis) || axis < lo || axis > hi)
    fail(op, `axis ${axis} is out of range for a tensor of rank ${ndim}`, `use an integer axis in [${lo}, ${hi}]`);
  return axis < 0 ? axis + Math.max(ndim, 1) : axis;
}

export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return [...Array(ndim).keys()];
  const list = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normAxis(op, a, ndim));
  if (new Set(list).size !== list.length) fail(op, `axes ${JSON.stringify(axes)} repeat an axis`, 'name each axis once');
  return list.sort((x, y) => x - y);
}

export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = nd - s.length + i;
      const v = s[i]!;
      if (v === 1) continue;
      if (out[d] !== 1 && out[d] !== v)
        fail(op, `shapes ${shapes.map(shapeStr).join(' and ')} cannot be broadcast together (dimension ${d}: ${out[d]} vs ${v})`, 'make each dimension equal, or 1 to broadcast');
      out[d] = v;
    }
  }
  return out;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The strides that read a tensor of `shape` and `strides` as if it had been broadcast to `to`: aligned
 * at the right, with stride 0 along every dimension it lacks or has as size 1. The one broadcast rule
 * that elementwise kernels, matmul's batch views and expand() share.
 */
export function broadcastStrides(shape: Shape, strides: Shape, to: Shape): number[] {
  const lead = to.length - shape.length;
  return to.map((s, d) => (d >= lead && shape[d - lead] === s ? strides[d - lead]! : 0));
}

/** Whether `from` broadcasts to `to` one way, as expand() does: aligned at the right, each size 1 or equal. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((s, i) => s === 1 || s === to[lead + i]);
}

/** Infers the shape of a nested array and checks it is rectangular. */
export function inferShape(op: string, data: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const check = (x: unknown, d: number): void => {
    if (d === shape.length) {
      if (Array.isArray(x)) fail(op, `nested array is ragged: too deep at depth ${d}`, 'give every row the same length');
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d]) fail(op, `nested array is ragged at depth ${d}: expected length ${shape[d]}`, 'give every row the same length');
    for (const y of x) check(y, d + 1);
  };
  check(data, 0);
  return shape;
}
