// DataLoader: batches of a Dataset as an async iterator, `for await (const [x, y] of loader)`.
//
// A TensorDataset stays resident on the GPU: batches are slices of its tensors (in order) or rows
// gathered with indexSelect through a slice of the epoch's permutation, which is the only upload (one
// int32 tensor per shuffled epoch). Any other Dataset is read on the CPU: each batch's samples are
// collated into one host buffer, uploaded once, and split into one tensor per field (views of that
// buffer); the next batch is prepared while the consumer works on the current one.
//
// Ownership: every yielded batch belongs to the consumer, who disposes it (`batch.dispose()`, each
// tensor's dispose(), or a scope around the loop); the loader frees everything of its own, also when
// the loop ends early.
import { fail } from '../device/index.ts';
import { contiguousStrides, type DType } from '../kernels/index.ts';
import { Tensor, keep, tensor, tidy, track } from '../tensor/index.ts';
import { indexSelect, slice } from '../autograd/index.ts';
import { Dataset, TensorDataset, specOf, writeSample, type FieldSpec } from './dataset.ts';
import { checkBool, checkInt, checkOptions } from './options.ts';
import { permutation } from './random.ts';

export interface DataLoaderOptions<B extends Tensor[] = Tensor[]> {
  /** Samples per batch (default 1, as torch). */
  batchSize?: number;
  /** A new order every epoch (default false). */
  shuffle?: boolean;
  /** Fixes the shuffled orders: epoch e of seed s is the same on every runtime. Random when absent. */
  seed?: number;
  /** Drops a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Runs on each batch on the GPU (augmentation, casting); its intermediates are freed. */
  transform?: (batch: B) => Tensor[];
}

const OPTIONS = ['batchSize', 'shuffle', 'seed', 'dropLast', 'transform'] as const;

/** A batch: the tensors of each field, plus dispose() to free them all. */
export type Batch<B extends Tensor[] = Tensor[]> = B & { dispose(): void; [Symbol.dispose](): void };

export class DataLoader<B extends Tensor[] = Tensor[]> implements AsyncIterable<Batch<B>> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** The epoch the next iteration runs; starting an iteration advances it (set it to resume). */
  epoch = 0;
  // Stored without B so that a DataLoader<[Tensor, Tensor]> is also a DataLoader<Tensor[]>.
  private readonly transform: ((batch: Tensor[]) => Tensor[]) | null;
  private spec: FieldSpec[] | null = null;

  constructor(
    readonly dataset: TensorDataset<B> | Dataset<unknown>,
    opts: DataLoaderOptions<B> = {},
  ) {
    const op = 'DataLoader';
    if (!(dataset instanceof Dataset)) fail(op, `expected a Dataset, got ${dataset === null ? 'null' : typeof dataset}`, 'pass a TensorDataset, a built-in dataset or a subclass of Dataset');
    checkOptions(op, opts, OPTIONS);
    this.batchSize = checkInt(op, 'batchSize', opts.batchSize ?? 1, 1);
    this.shuffle = checkBool(op, 'shuffle', opts.shuffle ?? false);
    this.dropLast = checkBool(op, 'dropLast', opts.dropLast ?? false);
    const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isSafeInteger(seed)) fail(op, `seed must be an integer, got ${String(opts.seed)}`);
    this.seed = seed;
    if (opts.transform !== undefined && typeof opts.transform !== 'function') fail(op, `transform must be a function (batch) => tensors, got ${typeof opts.transform}`);
    this.transform = (opts.transform as ((batch: Tensor[]) => Tensor[]) | undefined) ?? null;
    const n = dataset.length;
    if (!Number.isSafeInteger(n) || n < 0) fail(op, `the dataset's length is ${String(n)}, not a count`, 'give the Dataset subclass a length getter');
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of an epoch, in the order they are batched. */
  order(epoch = this.epoch): Int32Array {
    const n = this.dataset.length;
    return this.shuffle ? permutation(n, this.seed, epoch) : Int32Array.from({ length: n }, (_, i) => i);
  }

  [Symbol.asyncIterator](): AsyncGenerator<Batch<B>, void, undefined> {
    const epoch = this.epoch++;
    return this.dataset instanceof TensorDataset ? this.resident(epoch) : this.streamed(epoch);
  }

  private async *resident(epoch: number): AsyncGenerator<Batch<B>, void, undefined> {
    const ts = (this.dataset as TensorDataset).tensors;
    ts.forEach((t) => t.assertLive('DataLoader'));
    const n = this.dataset.length;
    const B = this.batchSize;
    // Kept out of the consumer's scopes: the loader frees it when the epoch ends.
    const perm = this.shuffle && n > 1 ? keep(tensor(this.order(epoch))) : null;
    try {
      for (let b = 0; b < this.length; b++) {
        const [lo, hi] = [b * B, Math.min(n, (b + 1) * B)];
        let batch: Tensor[];
        if (perm) {
          const idx = slice(perm, 0, lo, hi);
          batch = ts.map((t) => indexSelect(t, 0, idx));
          idx.dispose();
        } else batch = ts.map((t) => slice(t, 0, lo, hi));
        yield this.finish(batch);
      }
    } finally {
      perm?.dispose();
    }
  }

  private async *streamed(epoch: number): AsyncGenerator<Batch<B>, void, undefined> {
    const order = this.order(epoch);
    const count = this.length;
    let next: Promise<Tensor[]> | null = count > 0 ? this.collate(order, 0) : null;
    try {
      for (let b = 0; b < count; b++) {
        const cur = await next!;
        next = b + 1 < count ? this.collate(order, b + 1) : null;
        // A failure of the prefetch surfaces when it is awaited; until then it must not be unhandled.
        next?.catch(() => {});
        // Made at an unknown moment (and kept), the batch joins the scope of whoever receives it.
        cur.forEach(track);
        yield this.finish(cur);
      }
    } finally {
      if (next) await next.then((ts) => ts.forEach((t) => t.dispose()), () => {});
    }
  }

  /** Batch b of a CPU dataset: its samples in one host buffer, one upload, one tensor view per field. */
  private async collate(order: Int32Array, b: number): Promise<Tensor[]> {
    const op = 'DataLoader';
    const ds = this.dataset;
    const idx = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
    const samples = await Promise.all(Array.from(idx, (i) => ds.getItem(i)));
    const spec = (this.spec ??= specOf(samples[0], ds.dtypes, op));
    const rows = idx.length;
    const sizes = spec.map((s) => rows * s.shape.reduce((p, q) => p * q, 1));
    const offsets = sizes.map((_, f) => sizes.slice(0, f).reduce((p, q) => p + q, 0));
    const host = new ArrayBuffer(4 * sizes.reduce((p, q) => p + q, 0));
    const views = spec.map((s, f) => new (s.dtype === 'float32' ? Float32Array : s.dtype === 'int32' ? Int32Array : Uint32Array)(host, offsets[f]! * 4, sizes[f]!));
    samples.forEach((s, r) => writeSample(s, idx[r]!, r, spec, views, op));
    // Every dtype is 4 bytes per element on the GPU, so the fields share one buffer and one upload.
    const whole = keep(tensor(new Int32Array(host), { dtype: 'int32' }));
    const out = spec.map((s, f) => {
      const shape = [rows, ...s.shape];
      return keep(new Tensor(whole.storage.retain(), shape, contiguousStrides(shape), offsets[f]!, s.dtype as DType, 'DataLoader'));
    });
    whole.dispose();
    return out;
  }

  private finish(batch: Tensor[]): Batch<B> {
    if (this.transform) {
      const t = this.transform;
      let out: Tensor[];
      try {
        out = tidy(() => t(batch));
      } catch (e) {
        batch.forEach((x) => x.dispose());
        throw e;
      }
      if (!Array.isArray(out) || !out.every((x) => x instanceof Tensor)) {
        batch.forEach((x) => x.dispose());
        fail('DataLoader', `transform returned ${Array.isArray(out) ? 'an array with a non-tensor' : typeof out}`, 'return an array of tensors, e.g. ([x, y]) => [x.mul(2), y]');
      }
      for (const x of batch) if (!out.includes(x)) x.dispose();
      batch = out;
    }
    const dispose = () => batch.forEach((x) => x.dispose());
    Object.defineProperty(batch, 'dispose', { value: dispose });
    Object.defineProperty(batch, Symbol.dispose, { value: dispose });
    return batch as Batch<B>;
  }
}
