// Datasets, as torch.utils.data: a Dataset has a length and returns sample i from getItem. A
// TensorDataset holds GPU tensors whose first axis indexes the samples, so a DataLoader can gather
// batches on the GPU; any other Dataset is a CPU source whose samples are collated and uploaded.
import { fail, shapeStr } from '../device/index.ts';
import type { DType } from '../kernels/index.ts';
import { Tensor, inferShape } from '../tensor/index.ts';
import { slice, squeeze } from '../autograd/index.ts';

/** One field of a CPU sample: a number, a boolean, a typed array or (nested) arrays of numbers or booleans. */
export type Field = number | boolean | ArrayLike<number> | readonly Field[];

export abstract class Dataset<T = unknown> {
  /** The number of samples (torch's __len__). */
  abstract readonly length: number;
  /** Sample `index` (torch's __getitem__); may be async, e.g. to read a file. */
  abstract getItem(index: number): T | Promise<T>;
  /**
   * For CPU datasets, the dtype of each field of a sample. When absent, the DataLoader infers them from
   * the first sample: float typed arrays and non-integer numbers give float32, integer typed arrays and
   * integer numbers give int32, booleans give bool.
   */
  readonly dtypes?: readonly DType[];
}

/**
 * Tensors on the GPU whose first axis indexes the samples (all with the same length), e.g.
 * `new TensorDataset(images, labels)`. A DataLoader over it gathers every batch on the GPU. It holds
 * the tensors it was given; dispose() frees them.
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  readonly tensors: T;
  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) fail('TensorDataset', 'needs at least one tensor', 'pass e.g. new TensorDataset(images, labels)');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) fail('TensorDataset', `argument ${i} is ${t === null ? 'null' : typeof t}, not a Tensor`);
      t.assertLive('TensorDataset');
      if (t.ndim === 0) fail('TensorDataset', `tensor ${i} is 0-dimensional; its first axis must index the samples`, 'reshape it to [1]');
    });
    const n = tensors[0]!.shape[0]!;
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0)
      fail('TensorDataset', `the tensors have ${tensors.map((t) => shapeStr(t.shape)).join(', ')}; tensor ${bad} has ${tensors[bad]!.shape[0]} samples, tensor 0 has ${n}`, 'give every tensor the same size in dimension 0');
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /** Sample `index` as views of each tensor without the first axis (the caller disposes them). */
  getItem(index: number): T {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) fail('TensorDataset.getItem', `index ${index} is out of range for ${this.length} samples`);
    return this.tensors.map((t) => {
      const row = slice(t, 0, index, index + 1);
      const s = squeeze(row, 0);
      row.dispose();
      return s;
    }) as T;
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
}

/** A field of an ArrayDataset: flat data whose first axis (shape[0]) indexes the samples. */
export interface ArrayField {
  data: Float32Array | Int32Array | Uint8Array;
  shape: readonly number[];
  /** Defaults to float32 for Float32Array, int32 for Int32Array, bool for Uint8Array. */
  dtype?: DType;
}

/**
 * Samples kept in CPU memory (typed arrays), for data too large to hold on the GPU at once: a
 * DataLoader over it uploads one batch at a time. getItem returns subarrays (no copy).
 */
export class ArrayDataset extends Dataset<(number | Float32Array | Int32Array | Uint8Array)[]> {
  readonly fields: readonly Required<ArrayField>[];
  override readonly dtypes: readonly DType[];
  constructor(...fields: ArrayField[]) {
    super();
    if (fields.length === 0) fail('ArrayDataset', 'needs at least one field', 'pass e.g. new ArrayDataset({data: pixels, shape: [n, 784]}, {data: labels, shape: [n]})');
    this.fields = fields.map((f, i) => {
      const size = f.shape.reduce((p, q) => p * q, 1);
      if (f.shape.length === 0 || f.data.length !== size)
        fail('ArrayDataset', `field ${i} has ${f.data.length} values for shape ${shapeStr(f.shape)}`, 'give each field a shape [samples, ...] holding exactly its values');
      const dtype = f.dtype ?? (f.data instanceof Float32Array ? 'float32' : f.data instanceof Int32Array ? 'int32' : 'bool');
      return { data: f.data, shape: [...f.shape], dtype };
    });
    const n = this.fields[0]!.shape[0]!;
    if (this.fields.some((f) => f.shape[0] !== n)) fail('ArrayDataset', `the fields have shapes ${this.fields.map((f) => shapeStr(f.shape)).join(', ')}`, 'give every field the same size in dimension 0');
    this.dtypes = this.fields.map((f) => f.dtype);
  }

  get length(): number {
    return this.fields[0]!.shape[0]!;
  }

  getItem(index: number): (number | Float32Array | Int32Array | Uint8Array)[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) fail('ArrayDataset.getItem', `index ${index} is out of range for ${this.length} samples`);
    return this.fields.map((f) => {
      if (f.shape.length === 1) return f.data[index]!;
      const per = f.data.length / f.shape[0]!;
      return f.data.subarray(index * per, (index + 1) * per);
    });
  }
}

/** How one field of a CPU sample is laid out in a batch. */
export interface FieldSpec {
  dtype: DType;
  shape: number[];
}

const isFloatArray = (v: unknown) => v instanceof Float32Array || v instanceof Float64Array;

/** The field layout of a sample, from the dataset's declared dtypes or the sample itself. */
export function specOf(sample: unknown, dtypes: readonly DType[] | undefined, op: string): FieldSpec[] {
  if (!Array.isArray(sample)) fail(op, `getItem(0) returned ${sample === null ? 'null' : typeof sample}, but a sample must be an array of fields, e.g. [pixels, label]`, 'return [x, y] from getItem');
  if (dtypes && dtypes.length !== sample.length) fail(op, `the dataset declares ${dtypes.length} dtypes but its samples have ${sample.length} fields`);
  return sample.map((v: unknown, f) => {
    let shape: number[];
    let guess: DType;
    if (typeof v === 'number') [shape, guess] = [[], Number.isInteger(v) ? 'int32' : 'float32'];
    else if (typeof v === 'boolean') [shape, guess] = [[], 'bool'];
    else if (ArrayBuffer.isView(v)) [shape, guess] = [[(v as unknown as ArrayLike<number>).length], isFloatArray(v) ? 'float32' : 'int32'];
    else if (Array.isArray(v)) {
      shape = inferShape(op, v);
      const first = (v as unknown[]).flat(Infinity)[0];
      guess = typeof first === 'boolean' ? 'bool' : 'float32';
    } else return fail(op, `field ${f} of sample 0 is ${v === null ? 'null' : typeof v}`, 'make each field a number, a boolean, a typed array or an array');
    return { dtype: dtypes?.[f] ?? guess, shape };
  });
}

/** Writes sample `s` (dataset index `index`) at row `row` of each field's host array, checking it. */
export function writeSample(s: unknown, index: number, row: number, specs: readonly FieldSpec[], hosts: (Float32Array | Int32Array | Uint32Array)[], op: string): void {
  if (!Array.isArray(s) || s.length !== specs.length) fail(op, `sample ${index} has ${Array.isArray(s) ? `${s.length} fields` : typeof s}, but sample 0 has ${specs.length} fields`);
  specs.forEach((spec, f) => {
    const n = spec.shape.reduce((p, q) => p * q, 1);
    const v = s[f];
    const flat: ArrayLike<unknown> = typeof v === 'number' || typeof v === 'boolean' ? [v] : Array.isArray(v) ? (v as unknown[]).flat(Infinity) : (v as ArrayLike<number>);
    if (flat === null || typeof flat !== 'object' || flat.length !== n)
      fail(op, `field ${f} of sample ${index} has ${flat?.length ?? 0} values, but sample 0's has ${n} (shape ${shapeStr(spec.shape)})`, 'return samples of one shape, or pad them');
    const out = hosts[f]!;
    const at = row * n;
    for (let i = 0; i < n; i++) {
      const x = flat[i];
      if (spec.dtype === 'bool') out[at + i] = x ? 1 : 0;
      else if (typeof x !== 'number' && typeof x !== 'boolean') fail(op, `field ${f} of sample ${index} holds ${typeof x} at element ${i}, not a number`);
      else if (spec.dtype === 'int32' && !Number.isInteger(x as number))
        fail(op, `field ${f} of sample ${index} holds ${x} at element ${i}, but the field is int32 (inferred from sample 0)`, 'declare dtypes on the dataset, e.g. dtypes = ["float32", "int32"]');
      else out[at + i] = Number(x);
    }
  });
}
