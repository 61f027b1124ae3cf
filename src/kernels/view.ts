// What a kernel needs to read or write a tensor: a buffer plus the strided layout of its elements.
import type { DType } from './dtype.ts';

export interface View {
  buffer: GPUBuffer;
  dtype: DType;
  shape: readonly number[];
  /** In elements; 0 along broadcast dimensions. */
  strides: readonly number[];
  /** In elements, from the start of the buffer. */
  offset: number;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i]!;
  }
  return st;
}

/**
 * A coalesced layout's rank as the class a pipeline is specialised to (override constants such as
 * reduce_layout.wgsl's IN_RANK): 1 for none or one axis, up to `cap` (the general walk) for more.
 */
export function rankClass(rank: number, cap: number): number {
  return Math.max(1, Math.min(cap, rank));
}

/**
 * Merges adjacent dimensions that every operand walks contiguously and drops size-1 dimensions, so most
 * strided work collapses to one or two dimensions. All stride lists must match `shape`'s rank.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, k) => outStrides[k]![last] === st[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((st, k) => (outStrides[k]![last] = st[d]!));
    } else {
      outShape.push(size);
      strides.forEach((st, k) => outStrides[k]!.push(st[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}
