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

/** A value as an error message shows it: `the string 'abc'`, `null`, `an object`, `5`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `the string '${v.length > 20 ? `${v.slice(0, 20)}…` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Element indices are u32 in every kernel, so no tensor or view may hold more elements. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

export function checkNumel(op: string, shape: Shape): void {
  let n = 1;
  for (const s of shape) n *= s;
  if (n > MAX_ELEMENTS)
    fail(op, `shape ${shapeStr(shape)} has ${n} elements, over webgrad's limit of 2^32 - 1 = ${MAX_ELEMENTS} (element indices are 32-bit)`, 'split the work into smaller tensors');
}

/** An int32 value, or an error naming it and the range: creation never wraps silently. */
export function checkInt32(op: string, v: number, what = 'value'): void {
  if (!(Math.trunc(v) >= -(2 ** 31) && Math.trunc(v) <= 2 ** 31 - 1))
    fail(op, `${what} is ${v}, outside the int32 range [-2147483648, 2147483647]`, "use dtype 'float32' for larger values, or bring them into range");
}

/**
 * A shape given as one array or as PyTorch's varargs sizes: f([2, 3]) and f(2, 3) both give [2, 3].
 * A trailing plain object is the options object when `withOptions`.
 */
export function sizeArgs<O extends object>(op: string, args: readonly unknown[], withOptions = true, noun = 'size'): { shape: number[]; opts: O | undefined } {
  let list = [...args];
  let opts: O | undefined;
  const last = list[list.length - 1];
  if (withOptions && list.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last) && !ArrayBuffer.isView(last)) {
    opts = last as O;
    list = list.slice(0, -1);
  } else if (withOptions && list.length > 1 && last === undefined) list = list.slice(0, -1);
  const form = noun === 'size' ? `${op}([2, 3]) or ${op}(2, 3)` : `${op}([1, 0]) or ${op}(1, 0)`;
  if (list.length === 1 && (Array.isArray(list[0]) || ArrayBuffer.isView(list[0]))) {
    const shape = Array.from(list[0] as ArrayLike<unknown>);
    shape.forEach((s, i) => typeof s !== 'number' && fail(op, `${noun} ${i} of the list is ${describeValue(s)}, not a number`, `pass numbers: ${form}`));
    return { shape: shape as number[], opts };
  }
  list.forEach((s, i) => {
    if (typeof s !== 'number') fail(op, `argument ${i + 1} is ${describeValue(s)}, where a ${noun} or an array of them goes`, `pass numbers or one array: ${form}`);
  });
  if (list.length === 0 && args.length > 0) fail(op, `needs ${noun}s, got ${describeValue(args[0])}`, `pass ${form}`);
  return { shape: list as number[], opts };
}

/** Varargs forms of a shape or a dims list: one array, or the numbers themselves (reshape(2, 3)). */
export type SizeArgs = [shape: readonly number[]] | number[];
/** As SizeArgs, with a trailing options object. */
export type SizeOptArgs<O> = [shape: readonly number[], opts?: O] | number[] | [...sizes: number[], opts: O];
