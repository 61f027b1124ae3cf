// Views share storage and change only shape, strides and offset. These are the raw forms, without
// autograd; src/autograd wraps each with its backward.
import { fail, shapeStr } from '../device/index.ts';
import { contiguousStrides, numel } from '../kernels/index.ts';
import { broadcastStrides, checkSizes, describeValue, normAxis } from './shape.ts';
import { contiguousRaw, viewOf, type Tensor } from './tensor.ts';

export function resolveShape(op: string, t: Tensor, shape: readonly number[]): number[] {
  const free = shape.filter((s) => s === -1).length;
  if (free > 1) fail(op, `only one dimension can be -1, got ${shapeStr(shape)}`);
  checkSizes(op, shape.map((s) => (s === -1 ? 0 : s)));
  const known = numel(shape.filter((s) => s !== -1));
  const out = shape.map((s) => (s === -1 ? (known === 0 ? 0 : t.numel() / known) : s));
  if (numel(out) !== t.numel() || !out.every(Number.isInteger))
    fail(op, `cannot view a tensor of shape ${shapeStr(t.shape)} (${t.numel()} elements) as ${shapeStr(shape)}`, 'the new shape must have the same number of elements');
  return out;
}

/** Strides that view `t` as `shape` without copying, or null if its layout does not allow it. */
export function viewStrides(t: Tensor, shape: readonly number[]): number[] | null {
  if (t.isContiguous() || t.numel() === 0) return contiguousStrides(shape);
  const os = t.shape.filter((s) => s !== 1);
  const ost = t.strides.filter((_, i) => t.shape[i] !== 1);
  const out = new Array<number>(shape.length);
  let vd = shape.length - 1;
  let base = ost[ost.length - 1] ?? 1;
  let tn = 1;
  let vn = 1;
  for (let d = os.length - 1; d >= 0; d--) {
    tn *= os[d]!;
    if (d === 0 || ost[d - 1] !== tn * base) {
      while (vd >= 0 && (vn < tn || shape[vd] === 1)) {
        out[vd] = vn * base;
        vn *= shape[vd]!;
        vd--;
      }
      if (vn !== tn) return null;
      if (d > 0) {
        base = ost[d - 1]!;
        tn = 1;
        vn = 1;
      }
    }
  }
  while (vd >= 0 && shape[vd] === 1) out[vd--] = 1;
  return vd === -1 ? out : null;
}

export function view(t: Tensor, shape: readonly number[], op = 'view'): Tensor {
  const s = resolveShape(op, t, shape);
  const st = viewStrides(t, s);
  if (!st) fail(op, `a tensor of shape ${shapeStr(t.shape)} with strides ${shapeStr(t.strides)} cannot be viewed as ${shapeStr(s)} without a copy`, 'use reshape(), which copies when needed, or call contiguous() first');
  return viewOf(t, s, st, t.offset, op);
}

/** Like view, but copies when the layout requires it (as torch.reshape does). */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const s = resolveShape('reshape', t, shape);
  const st = viewStrides(t, s);
  if (st) return viewOf(t, s, st, t.offset, 'reshape');
  const c = contiguousRaw(t, t.dtype, 'reshape');
  const v = viewOf(c, s, contiguousStrides(s), 0, 'reshape');
  c.dispose();
  return v;
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  const nd = t.ndim;
  const p = dims.map((d) => normAxis('permute', d, nd));
  if (p.length !== nd || new Set(p).size !== nd)
    fail('permute', `dims ${shapeStr(dims)} are not a permutation of ${nd} axes for shape ${shapeStr(t.shape)}`, `name each of the ${nd} axes once`);
  return viewOf(t, p.map((d) => t.shape[d]!), p.map((d) => t.strides[d]!), t.offset, 'permute');
}

export function transpose(t: Tensor, d0 = -2, d1 = -1): Tensor {
  if (t.ndim < 2 && d0 === -2 && d1 === -1) return viewOf(t, t.shape, t.strides, t.offset, 'transpose');
  const a = normAxis('transpose', d0, t.ndim);
  const b = normAxis('transpose', d1, t.ndim);
  const p = [...Array(t.ndim).keys()];
  p[a] = b;
  p[b] = a;
  return permute(t, p);
}

export function expand(t: Tensor, shape: readonly number[]): Tensor {
  const nd = shape.length;
  if (nd < t.ndim) fail('expand', `cannot expand shape ${shapeStr(t.shape)} to fewer dimensions ${shapeStr(shape)}`, 'give at least as many dimensions');
  const outShape: number[] = [];
  for (let d = 0; d < nd; d++) {
    const k = d - (nd - t.ndim);
    const want = shape[d]!;
    const have = k >= 0 ? t.shape[k]! : 1;
    const size = want === -1 ? have : want;
    if (k < 0 && want === -1) fail('expand', `-1 is not allowed for new leading dimensions in ${shapeStr(shape)}`);
    if (have !== size && have !== 1)
      fail('expand', `shape ${shapeStr(t.shape)} cannot expand to ${shapeStr(shape)}: dimension ${d} is ${have}, not 1`, 'only size-1 dimensions can be expanded');
    checkSizes('expand', [size]);
    outShape.push(size);
  }
  return viewOf(t, outShape, broadcastStrides(t.shape, t.strides, outShape), t.offset, 'expand');
}

/** t[start:end:step] along `dim`, with Python's clamping of out-of-range bounds. */
export function slice(t: Tensor, dim: number, start = 0, end?: number | null, step = 1): Tensor {
  const d = normAxis('slice', dim, t.ndim);
  const n = t.shape[d]!;
  if (!Number.isInteger(step) || step < 1) fail('slice', `step must be a positive integer, got ${describeValue(step)}`);
  if (!Number.isInteger(start)) fail('slice', `start must be an integer, got ${describeValue(start)}`, 'pass whole-number bounds (negative ones count from the end)');
  if (end !== undefined && end !== null && !Number.isInteger(end)) fail('slice', `end must be an integer, got ${describeValue(end)}`, 'pass whole-number bounds, or leave end out to go to the end');
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start);
  const e = Math.max(clamp(end ?? n), s);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape[d] = Math.ceil((e - s) / step);
  strides[d] = t.strides[d]! * step;
  return viewOf(t, shape, strides, t.offset + s * t.strides[d]!, 'slice');
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normAxis('narrow', dim, t.ndim);
  const n = t.shape[d]!;
  if (!Number.isInteger(start)) fail('narrow', `start must be an integer, got ${describeValue(start)}`, 'pass whole numbers for start and length');
  if (!Number.isInteger(length)) fail('narrow', `length must be an integer, got ${describeValue(length)}`, 'pass whole numbers for start and length');
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > n)
    fail('narrow', `start ${start} and length ${length} do not fit dimension ${d} of size ${n} in shape ${shapeStr(t.shape)}`, `need 0 <= start and start + length <= ${n}`);
  return slice(t, d, s, s + length);
}

export function squeeze(t: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? t.shape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0) : (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normAxis('squeeze', d, t.ndim));
  const keep = t.shape.map((s, i) => !(dims.includes(i) && s === 1));
  return viewOf(t, t.shape.filter((_, i) => keep[i]), t.strides.filter((_, i) => keep[i]), t.offset, 'squeeze');
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normAxis('unsqueeze', dim, t.ndim + 1);
  const shape = [...t.shape];
  const strides = [...t.strides];
  const inner = d < t.ndim ? t.strides[d]! * t.shape[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, inner);
  return viewOf(t, shape, strides, t.offset, 'unsqueeze');
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normAxis('flatten', startDim, t.ndim);
  const e = normAxis('flatten', endDim, t.ndim);
  if (s > e) fail('flatten', `startDim ${startDim} comes after endDim ${endDim} for a tensor of rank ${t.ndim}`, 'pass startDim <= endDim, e.g. flatten(1) or flatten(0, -1)');
  const shape = [...t.shape.slice(0, s), numel(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

/** x[..., i, ...] along dim: that dimension removed (torch.select); negative i counts from the end. */
export function selectIndex(t: Tensor, dim: number, index: number): { dim: number; index: number } {
  const d = normAxis('select', dim, t.ndim);
  const n = t.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n)
    fail('select', `index ${describeValue(index)} is out of range for dimension ${d} of size ${n} in shape ${shapeStr(t.shape)}`, `use an integer in [${-n}, ${n - 1}]`);
  return { dim: d, index: index < 0 ? index + n : index };
}
