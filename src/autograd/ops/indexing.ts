// Indexing and shape assembly: gather / indexSelect / takeAlongDim (one gather kernel reading broadcast
// views), their adjoint scatterAdd, oneHot, concat / stack, pad, cast and clone.
//
// Index tensors live on the GPU and are never read back, so their values cannot be validated: the gather
// and scatter kernels clamp out-of-range indices into [0, size - 1] (oneHot gives an all-zero row). What
// is known on the CPU (ranks, shapes, dtypes, pad widths) is validated before any GPU work.
import { fail, shapeStr } from '../../device/index.ts';
import { copy, fill, gather as gatherKernel, map, numel, promote, scatterAdd as scatterKernel, type DType } from '../../kernels/index.ts';
import { broadcastShapes, describeValue, empty, expectTensor, normAxis, sameShape, tensor, viewOf, views as V, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op as decl } from '../define.ts';
import { add } from './elementwise.ts';
import { expand, reshape, slice, unsqueeze } from './views.ts';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export interface PadOptions {
  mode?: PadMode;
  /** The fill value of 'constant' mode (default 0). */
  value?: number;
}

export interface IndexingAttrs {
  gather: { dim: number };
  /** zeros(shape) with src added at index along dim: gather's adjoint. Inputs: [src, index]. */
  scatterAdd: { dim: number; shape: number[] };
  concat: { dim: number; sizes: number[] };
  /** Constant padding per axis; negative widths crop, so the backward is pad with negated widths. */
  pad: { before: number[]; after: number[]; value: number };
  cast: { dtype: DType };
  clone: {};
}


const apply: FamilyApply<IndexingAttrs> = rules<IndexingAttrs>({
  gather: {
    forward: ([x, index], { dim }) => {
      const out = empty(index!.shape, x!.dtype, 'gather');
      gatherKernel(out.dev, x!, dim, index!, out);
      return out;
    },
    backward: (g, c) => [c.needs[0] ? scatterInto(g, c.attrs.dim, c.inputs[1]!, c.shapes[0]!) : null, null],
    saves: { output: false },
  },
  scatterAdd: {
    forward: ([src, index], { dim, shape }) => {
      const out = empty(shape, 'float32', 'scatterAdd');
      scatterKernel(out.dev, src!, dim, index!, out);
      return out;
    },
    backward: (g, c) => [c.needs[0] ? apply('gather', [g, c.inputs[1]!], { dim: c.attrs.dim }) : null, null],
    saves: { output: false },
  },
  concat: {
    forward: (ins, { dim, sizes }) => {
      const shape = [...ins[0]!.shape];
      shape[dim] = sizes.reduce((p, q) => p + q, 0);
      const out = empty(shape, ins.map((t) => t.dtype).reduce(promote), 'concat');
      let at = 0;
      ins.forEach((t, i) => {
        if (sizes[i]! > 0) writeInto(out, t, dim, at);
        at += sizes[i]!;
      });
      return out;
    },
    backward: (g, c) => {
      let at = 0;
      return c.attrs.sizes.map((n, i) => {
        const s = c.needs[i] ? slice(g, c.attrs.dim, at, at + n) : null;
        at += n;
        return s;
      });
    },
    saves: { inputs: false, output: false },
  },
  pad: {
    forward: ([x], { before, after, value }) => {
      const shape = x!.shape.map((s, d) => s + before[d]! + after[d]!);
      const out = empty(shape, x!.dtype, 'pad');
      fill(out.dev, out, value, 0);
      // The part of x that survives cropping, and where it lands in the output.
      let src = V.reshape(x!, x!.shape);
      let dst = V.reshape(out, out.shape);
      for (let d = 0; d < shape.length; d++) {
        const lo = Math.max(0, -before[d]!);
        const hi = x!.shape[d]! - Math.max(0, -after[d]!);
        const at = Math.max(0, before[d]!);
        const s2 = V.slice(src, d, lo, Math.max(lo, hi));
        const d2 = V.slice(dst, d, at, at + Math.max(0, hi - lo));
        src.dispose();
        dst.dispose();
        [src, dst] = [s2, d2];
      }
      if (src.numel() > 0) copy(out.dev, src, dst);
      src.dispose();
      dst.dispose();
      return out;
    },
    backward: (g, c) => [apply('pad', [g], { before: c.attrs.before.map((v) => -v), after: c.attrs.after.map((v) => -v), value: 0 })],
    saves: { inputs: false, output: false },
  },
  cast: {
    forward: ([x], { dtype }) => (x!.dtype === dtype ? V.reshape(x!, x!.shape) : copied(x!, dtype, 'cast')),
    // Only float32 -> float32 is ever differentiated (ints and bools carry no gradient): the identity.
    backward: (g) => [g],
    saves: { inputs: false, output: false },
  },
  clone: {
    forward: ([x]) => copied(x!, x!.dtype, 'clone'),
    backward: (g) => [g],
    saves: { inputs: false, output: false },
  },
});

function copied(x: Tensor, dtype: DType, op: string): Tensor {
  const out = empty(x.shape, dtype, op);
  copy(out.dev, x, out);
  return out;
}

/** Copies t into out[..., at : at + t.shape[dim], ...] along dim (with dtype conversion). */
function writeInto(out: Tensor, t: Tensor, dim: number, at: number): void {
  const dst = V.slice(out, dim, at, at + t.shape[dim]!);
  copy(out.dev, t, dst);
  dst.dispose();
}

function scatterInto(g: Tensor, dim: number, index: Tensor, shape: readonly number[]): Tensor {
  return apply('scatterAdd', [g, index], { dim, shape: [...shape] });
}

function checkIndex(op: string, index: Tensor, what = 'index'): void {
  expectTensor(op, `the ${what}`, index);
  if (index.dtype !== 'int32')
    fail(op, `the ${what} tensor ${shapeStr(index.shape)} has dtype ${index.dtype}, but indices must be int32`, `cast it with ${what}.int(), or create it with {dtype: 'int32'}`);
}

function checkRanked(op: string, x: Tensor, what = 'the input'): void {
  expectTensor(op, what, x);
  if (x.ndim === 0) fail(op, 'cannot index a 0-dimensional tensor', 'reshape it to [1] first');
  if (x.ndim > 8) fail(op, `tensors of rank ${x.ndim} are not supported (at most 8)`, 'reshape to fewer dimensions first');
}

/**
 * out[i][j] = x[index[i][j]][j] for dim 0, and so on (torch.gather): out has index's shape; index has
 * x's rank and index.shape[d] <= x.shape[d] off dim. Out-of-range indices are clamped on the GPU.
 */
export const gather = decl(function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkRanked('gather', x);
  checkIndex('gather', index);
  const d = normAxis('gather', dim, x.ndim);
  if (index.ndim !== x.ndim)
    fail('gather', `index ${shapeStr(index.shape)} must have the rank of x ${shapeStr(x.shape)}`, 'unsqueeze the index to the same number of dimensions');
  for (let k = 0; k < x.ndim; k++)
    if (k !== d && index.shape[k]! > x.shape[k]!)
      fail('gather', `index ${shapeStr(index.shape)} is larger than x ${shapeStr(x.shape)} in dimension ${k}`, `need index.shape[k] <= x.shape[k] for every k != ${d}`);
  if (x.shape[d] === 0 && index.numel() > 0) fail('gather', `cannot pick from dimension ${d} of size 0 in x ${shapeStr(x.shape)}`);
  return apply('gather', [x, index], { dim: d });
});

/** The slices of x at `index` (1-D int32) along dim; out-of-range indices are clamped on the GPU. */
export const indexSelect = decl(function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkRanked('indexSelect', x);
  checkIndex('indexSelect', index);
  const d = normAxis('indexSelect', dim, x.ndim);
  if (index.ndim > 1) fail('indexSelect', `the index must be 1-D, got shape ${shapeStr(index.shape)}`, 'flatten it, or use gather for per-element indices');
  if (x.shape[d] === 0 && index.numel() > 0) fail('indexSelect', `cannot pick from dimension ${d} of size 0 in x ${shapeStr(x.shape)}`);
  const shape = [...x.shape];
  shape[d] = index.numel();
  // A stride-0 view of the index over x's other axes turns indexSelect into a gather, copying nothing.
  const strides = shape.map((_, k) => (k === d && index.ndim ? index.strides[0]! : 0));
  const wide = viewOf(index, shape, strides, index.offset, 'indexSelect');
  const out = apply('gather', [x, wide], { dim: d });
  wide.dispose();
  return out;
});

/**
 * x's elements at `indices` along dim, with x and indices broadcast against each other off dim (as
 * torch.take_along_dim). Without dim, both are flattened first.
 */
export const takeAlongDim = decl(function takeAlongDim(x: Tensor, indices: Tensor, dim?: number): Tensor {
  x.assertLive('takeAlongDim');
  checkIndex('takeAlongDim', indices, 'indices');
  if (dim === undefined) {
    if (x.numel() === 0 && indices.numel() > 0) fail('takeAlongDim', `cannot pick from an empty tensor ${shapeStr(x.shape)}`);
    const xf = reshape(x, [x.numel()]);
    const ifl = V.reshape(indices, [indices.numel()]);
    const out = apply('gather', [xf, ifl], { dim: 0 });
    xf.dispose();
    ifl.dispose();
    return out;
  }
  checkRanked('takeAlongDim', x);
  const d = normAxis('takeAlongDim', dim, x.ndim);
  if (indices.ndim !== x.ndim)
    fail('takeAlongDim', `indices ${shapeStr(indices.shape)} must have the rank of x ${shapeStr(x.shape)}`, 'unsqueeze the indices to the same number of dimensions');
  const off = (s: readonly number[]) => s.map((v, k) => (k === d ? 1 : v));
  const common = broadcastShapes('takeAlongDim', off(x.shape), off(indices.shape));
  const xShape = common.map((v, k) => (k === d ? x.shape[d]! : v));
  const iShape = common.map((v, k) => (k === d ? indices.shape[d]! : v));
  if (x.shape[d] === 0 && numel(iShape) > 0) fail('takeAlongDim', `cannot pick from dimension ${d} of size 0 in x ${shapeStr(x.shape)}`);
  const xe = expand(x, xShape);
  const ie = V.expand(indices, iShape);
  const out = apply('gather', [xe, ie], { dim: d });
  xe.dispose();
  ie.dispose();
  return out;
});

/**
 * x plus src added at `index` along dim (torch.Tensor.scatter_add): for dim 0,
 * out[index[i][j]][j] += src[i][j]. Only the index-shaped part of src is used. Deterministic: float sums
 * are taken in a fixed order, not with atomics. float32 only.
 */
export const scatterAdd = decl(function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkRanked('scatterAdd', x);
  src.assertLive('scatterAdd');
  checkIndex('scatterAdd', index);
  const d = normAxis('scatterAdd', dim, x.ndim);
  if (x.dtype !== 'float32' || src.dtype !== 'float32')
    fail('scatterAdd', `x (${x.dtype}) and src (${src.dtype}) must be float32`, 'cast them with .float()');
  if (index.ndim !== x.ndim || src.ndim !== x.ndim)
    fail('scatterAdd', `x ${shapeStr(x.shape)}, index ${shapeStr(index.shape)} and src ${shapeStr(src.shape)} must have the same rank`);
  for (let k = 0; k < x.ndim; k++)
    if (index.shape[k]! > src.shape[k]! || (k !== d && index.shape[k]! > x.shape[k]!))
      fail('scatterAdd', `index ${shapeStr(index.shape)} does not fit src ${shapeStr(src.shape)} and x ${shapeStr(x.shape)} in dimension ${k}`, `need index.shape[k] <= src.shape[k], and <= x.shape[k] for k != ${d}`);
  if (x.shape[d] === 0 && index.numel() > 0) fail('scatterAdd', `cannot add into dimension ${d} of size 0 in x ${shapeStr(x.shape)}`);
  const temps: Tensor[] = [];
  let s = src;
  for (let k = 0; k < x.ndim; k++)
    if (s.shape[k] !== index.shape[k]) temps.push((s = slice(s, k, 0, index.shape[k]!)));
  const scattered = apply('scatterAdd', [s, index], { dim: d, shape: [...x.shape] });
  const out = add(x, scattered);
  scattered.dispose();
  temps.forEach((t) => t.dispose());
  return out;
});

export interface OneHotOptions {
  /** int32 by default, as torch.nn.functional.one_hot; float32 for use as targets. */
  dtype?: DType;
}

/**
 * out[..., c] = 1 where indices[...] == c, else 0; shape [...indices.shape, numClasses]. numClasses is
 * required: inferring it would read the indices back. Out-of-range indices give an all-zero row.
 */
export const oneHot = decl(function oneHot(indices: Tensor, numClasses: number, opts: OneHotOptions = {}): Tensor {
  checkIndex('oneHot', indices, 'indices');
  if (!Number.isInteger(numClasses) || numClasses < 1)
    fail('oneHot', `numClasses must be a positive integer, got ${numClasses}`, 'pass the number of classes explicitly (it is not inferred, which would need a readback)');
  const shape = [...indices.shape, numClasses];
  const out = empty(shape, opts.dtype ?? 'int32', 'oneHot');
  const classes = empty([numClasses], 'int32', 'oneHot');
  fill(out.dev, classes, 0, 1);
  const idx = { buffer: indices.buffer, dtype: indices.dtype, shape, strides: [...indices.strides, 0], offset: indices.offset };
  const cls = { buffer: classes.buffer, dtype: classes.dtype, shape, strides: [...indices.shape.map(() => 0), 1], offset: 0 };
  map(out.dev, { name: 'oneHot', expr: 'select(0, 1, a == b)', ct: 'i32' }, [idx, cls], out);
  classes.dispose();
  return out;
});

/** Joins tensors along an existing axis; shapes must agree off it. Mixed dtypes promote (bool < int32 < float32). */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) fail('concat', 'needs a non-empty array of tensors', 'pass [a, b, ...]');
  tensors.forEach((t, i) => checkRanked('concat', t, `element ${i} of the list`));
  const first = tensors[0]!;
  const d = normAxis('concat', dim, first.ndim);
  for (const t of tensors)
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k]))
      fail('concat', `shapes ${tensors.map((u) => shapeStr(u.shape)).join(', ')} do not match off dimension ${d}`, `every tensor needs the same rank and the same size in every dimension except ${d}`);
  return apply('concat', [...tensors], { dim: d, sizes: tensors.map((t) => t.shape[d]!) });
}

export const cat = concat;

/** Joins equally shaped tensors along a new axis `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) fail('stack', 'needs a non-empty array of tensors', 'pass [a, b, ...]');
  tensors.forEach((t, i) => expectTensor('stack', `element ${i} of the list`, t));
  const first = tensors[0]!;
  for (const t of tensors)
    if (!sameShape(t.shape, first.shape))
      fail('stack', `all tensors must have the same shape, got ${tensors.map((u) => shapeStr(u.shape)).join(', ')}`, 'reshape or pad them to one shape');
  const d = normAxis('stack', dim, first.ndim + 1);
  const parts = tensors.map((t) => unsqueeze(t, d));
  const out = apply('concat', parts, { dim: d, sizes: parts.map(() => 1) });
  parts.forEach((p) => p.dispose());
  return out;
}

/**
 * Pads with torch.nn.functional.pad's width order, starting from the last axis: [left, right] pads
 * the last, [left, right, top, bottom] the last two, and so on. 'constant' (the default) fills with
 * `value` and crops for negative widths; 'reflect', 'replicate' and 'circular' take widths >= 0.
 */
export const pad = decl(function pad(x: Tensor, widths: readonly number[], opts: PadOptions = {}): Tensor {
  expectTensor('pad', 'the input', x);
  if (!Array.isArray(widths)) fail('pad', `widths is ${describeValue(widths)}, not an array`, 'pass [left, right] per padded axis, last axis first: pad(x, [1, 1])');
  const mode = opts.mode ?? 'constant';
  const value = opts.value ?? 0;
  const bad = (why: string, fix?: string) => fail('pad', `widths [${widths.join(', ')}] for shape ${shapeStr(x.shape)}: ${why}`, fix);
  if (!Array.isArray(widths) || widths.length % 2 !== 0) bad('need an even number of widths', 'pass [left, right] per padded axis, last axis first');
  if (widths.length > 2 * x.ndim) bad(`that pads ${widths.length / 2} axes, but the tensor has ${x.ndim}`, `pass at most ${2 * x.ndim} widths`);
  if (!widths.every(Number.isInteger)) bad('widths must be integers');
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) fail('pad', `unknown mode '${mode}'`, "use 'constant', 'reflect', 'replicate' or 'circular'");
  if (typeof value !== 'number') fail('pad', `value must be a number, got ${typeof value}`);
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let i = 0; i < widths.length / 2; i++) {
    before[x.ndim - 1 - i] = widths[2 * i]!;
    after[x.ndim - 1 - i] = widths[2 * i + 1]!;
  }
  if (mode === 'constant') {
    x.shape.forEach((s, d) => {
      if (s + before[d]! + after[d]! < 0) bad(`dimension ${d} of size ${s} would have size ${s + before[d]! + after[d]!}`, 'crop by at most the size of the dimension');
    });
    return apply('pad', [x], { before, after, value });
  }
  if (!widths.every((w) => w >= 0)) bad(`negative widths are only allowed in 'constant' mode, not '${mode}'`);
  x.shape.forEach((s, d) => {
    const most = Math.max(before[d]!, after[d]!);
    if (most === 0) return;
    if (mode === 'reflect' && most >= s) bad(`'reflect' needs widths smaller than the size (${s}) of dimension ${d}`);
    if (mode === 'circular' && most > s) bad(`'circular' needs widths at most the size (${s}) of dimension ${d}`);
    if (mode === 'replicate' && s === 0) bad(`'replicate' cannot pad dimension ${d} of size 0`);
  });
  // Each padded axis becomes an indexSelect with source positions computed here (a small upload).
  let cur = x;
  for (let d = x.ndim - 1; d >= 0; d--) {
    if (before[d] === 0 && after[d] === 0) continue;
    const n = x.shape[d]!;
    const pos = new Int32Array(n + before[d]! + after[d]!);
    for (let j = 0; j < pos.length; j++) {
      const k = j - before[d]!;
      if (mode === 'replicate') pos[j] = Math.min(Math.max(k, 0), n - 1);
      else if (mode === 'circular') pos[j] = ((k % n) + n) % n;
      else {
        const p = 2 * (n - 1);
        const m = n === 1 ? 0 : ((k % p) + p) % p;
        pos[j] = m < n ? m : p - m;
      }
    }
    const index = tensor(pos, { dtype: 'int32' });
    const next = indexSelect(cur, d, index);
    index.dispose();
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur === x ? apply('clone', [x], {}) : cur;
});

/** A copy converted to dtype (a view when it already has it). float32 -> float32 passes gradients through. */
export const cast = decl(function cast(x: Tensor, dtype: DType): Tensor {
  x.assertLive('cast');
  if (!['float32', 'int32', 'bool'].includes(dtype)) fail('cast', `unknown dtype '${dtype}'`, "use 'float32', 'int32' or 'bool'");
  return apply('cast', [x], { dtype });
});

/** A new tensor with its own contiguous storage holding x's values; gradients pass through. */
export const clone = decl((x: Tensor): Tensor => apply('clone', [x], {}));
