// Embedding: a lookup table of rows, as torch.nn.Embedding. The forward is a gather of rows (indexSelect,
// whose backward scatter-adds into the table). With paddingIdx, that row starts at zero and gets no
// gradient: positions holding paddingIdx read the row through a detached view, so their gradient stops.
// Indices given as a JS array are checked on the CPU; an int32 tensor's values stay on the GPU unchecked
// (out-of-range indices are clamped there, see autograd/ops/indexing.ts).
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { copy, numel } from '../kernels/index.ts';
import { inferShape, randn, tensor, tidy, zeros, type NestedArray, type Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { Module, parameter } from './module.ts';

export interface EmbeddingOptions {
  /** This row starts at zero and gets no gradient (negative counts from the end, as torch). */
  paddingIdx?: number | null;
  /** Not supported (renormalizing rows in place); passing a number is an error. */
  maxNorm?: number | null;
}
const EMBEDDING_OPTIONS = optionKeys<EmbeddingOptions>({ paddingIdx: true, maxNorm: true });

export type Indices = Tensor | NestedArray | readonly number[];

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).assertLive === 'function';
}

function checkPadding(layer: string, paddingIdx: number | null | undefined, num: number): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num) fail(layer, `paddingIdx must be an integer within [-${num}, ${num - 1}], got ${paddingIdx}`);
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/** The indices as an int32 tensor; JS arrays are checked against [0, num) before anything is uploaded. */
function indexTensor(layer: string, input: Indices, num: number): Tensor {
  if (isTensor(input)) {
    input.assertLive(layer);
    if (input.dtype !== 'int32') fail(layer, `indices must be int32, got a ${input.dtype} tensor ${shapeStr(input.shape)}`, "cast it with .int(), or create it with {dtype: 'int32'}");
    return input;
  }
  if (typeof input !== 'number' && !Array.isArray(input)) fail(layer, `expected indices as an int32 Tensor or a (nested) array of integers, got ${typeof input}`);
  const shape = typeof input === 'number' ? [] : inferShape(layer, input as NestedArray);
  const flat = typeof input === 'number' ? [input] : (input as unknown[]).flat(Infinity);
  flat.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= num)
      fail(layer, `index ${String(v)} at flat position ${i} is out of range for an embedding of ${num} rows`, `use indices in [0, ${num - 1}]`);
  });
  return tensor(Int32Array.from(flat as number[]), { shape });
}

/** Rows of `weight` at `input` (torch.nn.functional.embedding): the result is [...input.shape, dim]. */
export function embedding(input: Indices, weight: Tensor, paddingIdx: number | null = null, maxNorm: number | null = null): Tensor {
  if (!isTensor(weight)) fail('embedding', `weight must be a Tensor, got ${typeof weight}`);
  weight.assertLive('embedding');
  if (weight.ndim !== 2) fail('embedding', `weight must be 2-D [numEmbeddings, embeddingDim], got shape ${shapeStr(weight.shape)}`);
  if (maxNorm !== null && maxNorm !== undefined) fail('embedding', 'maxNorm is not supported', 'renormalize the weight yourself, or leave maxNorm null');
  const [num, dim] = weight.shape as [number, number];
  const pad = checkPadding('embedding', paddingIdx, num);
  return tidy(() => {
    const idx = indexTensor('embedding', input, num);
    const flat = A.reshape(idx, [numel(idx.shape)]);
    const rows = A.indexSelect(weight, 0, flat);
    const out = pad === null ? rows : A.where(A.unsqueeze(A.ne(flat, pad), 1), rows, A.detach(rows));
    return A.reshape(out, [...idx.shape, dim]);
  });
}

/** A table of numEmbeddings rows of embeddingDim, initialised N(0, 1) (torch.nn.Embedding). */
export class Embedding extends Module<[Indices], Tensor> {
  weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    checkOptions('Embedding', opts, EMBEDDING_OPTIONS);
    for (const [what, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const)
      if (!Number.isInteger(v) || v < 1) fail('Embedding', `${what} must be a positive integer, got ${v}`);
    if (opts.maxNorm !== null && opts.maxNorm !== undefined) fail('Embedding', 'maxNorm is not supported', 'leave maxNorm out');
    this.paddingIdx = checkPadding('Embedding', opts.paddingIdx, numEmbeddings);
    const w = randn([numEmbeddings, embeddingDim]);
    if (this.paddingIdx !== null) {
      const z = zeros([1, embeddingDim]);
      copy(w.dev, z, { buffer: w.buffer, dtype: 'float32', shape: [1, embeddingDim], strides: [embeddingDim, 1], offset: this.paddingIdx * embeddingDim });
      z.dispose();
    }
    this.weight = parameter(w);
  }

  forward(input: Indices): Tensor {
    return embedding(input, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
