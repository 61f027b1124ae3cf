// The Tensor: a strided view of GPU storage. This layer gives it data access and ownership only; the ops
// (add, matmul, sum, …) are installed by src/autograd, which owns each op's forward and backward.
import { fail, shapeStr, type Device } from '../device/index.ts';
import { contiguousStrides, numel, type DType, type View } from '../kernels/index.ts';
import { copy } from '../kernels/index.ts';
import { currentDevice, device, isDebug } from './context.ts';
import { Storage, track, untrack, unwatchLeak, watchLeak, type Owned } from './memory.ts';
import { format, type FormatOptions } from './format.ts';
import { checkNumel, describeValue, normAxis } from './shape.ts';

(Symbol as any).dispose ??= Symbol.for('Symbol.dispose');

/** Node's util.inspect hook, by its registered name, so nothing imports node:util. */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

export type NestedArray = number | boolean | NestedArray[];

export class Tensor implements Owned, View {
  private _disposed = false;
  /** Set by autograd: whether gradients flow to this tensor. */
  requiresGrad = false;
  /** Autograd's node for tensors produced by a recorded op; null for leaves. Opaque here. */
  gradFn: unknown = null;
  /** Autograd's gradient slot; read through `grad`, which autograd installs. */
  _grad: Tensor | null = null;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
    /** The op that made this tensor, for error messages and leak reports. */
    readonly op: string,
  ) {
    track(this);
    if (isDebug()) watchLeak(this, `${shapeStr(shape)} ${dtype} made by ${op}`, storage);
  }

  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }
  get dev(): Device {
    return this.storage.dev;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** The shape (as PyTorch's t.size()), or the size of dimension `dim` (negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[normAxis('size', dim, this.ndim)]!;
  }
  /** The number of elements. */
  numel(): number {
    return numel(this.shape);
  }
  /** The number of dimensions, as PyTorch's t.dim(); the same as t.ndim. */
  dim(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  isContiguous(): boolean {
    const c = contiguousStrides(this.shape);
    return this.shape.every((s, i) => s === 1 || this.strides[i] === c[i]);
  }

  /** Throws a use-after-dispose error naming `op`. Every op calls this on its inputs first. */
  assertLive(op: string): this {
    if (this._disposed)
      fail(op, `a tensor ${shapeStr(this.shape)} ${this.dtype} (made by ${this.op}) was used after dispose()`, 'keep it alive until its last use, or keep() it out of the scope that disposed it');
    const dev = this.storage.dev;
    if (dev.lost || dev !== currentDevice())
      fail(
        op,
        `a tensor ${shapeStr(this.shape)} ${this.dtype} (made by ${this.op}) was made on a device that was ${dev.lost ? `lost (${dev.lostReason})` : 'replaced by a later wg.init()'}; its memory is gone with that device`,
        'recreate it on the current device (after await wg.init()) from values read back before the loss, e.g. a stateDict read with await t.data()',
      );
    dev.check(op);
    return this;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrack(this);
    unwatchLeak(this);
    this.storage.release();
    if (this._grad) this._grad.dispose();
    this._grad = null;
    (this.gradFn as { unref?(): void } | null)?.unref?.();
    this.gradFn = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Copies the elements to the CPU. The only way data leaves the GPU. */
  async data(): Promise<Float32Array | Int32Array | Uint8Array> {
    this.assertLive('data');
    const n = this.numel();
    let src: Tensor = this;
    if (!this.isContiguous()) src = contiguousRaw(this);
    try {
      const bytes = await this.dev.read(src.buffer, src.offset * 4, n * 4, 'data');
      if (this.dtype === 'float32') return new Float32Array(bytes);
      if (this.dtype === 'int32') return new Int32Array(bytes);
      return Uint8Array.from(new Uint32Array(bytes), (v) => (v ? 1 : 0));
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** The elements as nested arrays (booleans for bool tensors). */
  async toArray(): Promise<NestedArray> {
    const flat = Array.from(await this.data(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    if (this.ndim === 0) return flat[0]!;
    const build = (d: number, off: number): NestedArray[] => {
      const n = this.shape[d]!;
      const stride = numel(this.shape.slice(d + 1));
      return Array.from({ length: n }, (_, i) => (d === this.ndim - 1 ? flat[off + i]! : build(d + 1, off + i * stride)));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.numel() !== 1) fail('item', `only one-element tensors have an item; this one has shape ${shapeStr(this.shape)}`, 'reduce it first, e.g. t.sum()');
    return (await this.data())[0]!;
  }

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /** Logs the values as PyTorch prints them (see wg.format): an explicit readback. */
  async print(opts?: FormatOptions): Promise<void> {
    console.log(await format(this, opts));
  }

  /** What console.log / util.inspect show in Node: the description, not the storage internals. */
  [INSPECT](): string {
    return `Tensor { shape: ${shapeStr(this.shape)}, dtype: '${this.dtype}', requiresGrad: ${this.requiresGrad}${this._disposed ? ', disposed: true' : ''} }`;
  }

  /** JSON.stringify cannot read GPU memory synchronously, so it fails instead of writing `{}` or internals. */
  toJSON(): never {
    return fail('JSON.stringify', `a tensor ${shapeStr(this.shape)} ${this.dtype} cannot be converted to JSON: its values live on the GPU`, 'read them first: JSON.stringify(await t.toArray())');
  }
}

/** `v` as a live Tensor, or an error naming the op, the argument and what it got. */
export function expectTensor(op: string, what: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) fail(op, `${what} is ${describeValue(v)}, not a Tensor`, `pass a Tensor for ${what}, e.g. wg.tensor([1, 2])`);
  return v.assertLive(op);
}

/** Allocates an uninitialised tensor; kernels fill it. */
export function empty(shape: readonly number[], dtype: DType, op: string): Tensor {
  const dev = device(op);
  const n = numel(shape);
  const bytes = n * 4;
  const buffer = dev.allocate(bytes, op, shape);
  return new Tensor(new Storage(dev, buffer, bytes), [...shape], contiguousStrides(shape), 0, dtype, op);
}

/** A new tensor object over the same storage, for views. */
export function viewOf(t: Tensor, shape: readonly number[], strides: readonly number[], offset: number, op: string): Tensor {
  checkNumel(op, shape);
  return new Tensor(t.storage.retain(), shape, strides, offset, t.dtype, op);
}

export function contiguousRaw(t: Tensor, dtype: DType = t.dtype, op = 'contiguous'): Tensor {
  const out = empty(t.shape, dtype, op);
  copy(t.dev, t, out);
  return out;
}

export { untrack };
