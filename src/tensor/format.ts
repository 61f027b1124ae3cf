// Printing tensors the way PyTorch does. Formatting works on values already read back; `format` and
// Tensor.print() are the explicit readbacks a user asks for (one data() each), never called by ops.
// This file names no Tensor class (only the few members it reads), so tensor.ts can import it.
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import type { DType } from '../kernels/index.ts';

export interface FormatOptions {
  /** Digits after the point for float32 (default 4). */
  precision?: number;
  /** Above this many elements the output is summarised (default 1000). */
  threshold?: number;
  /** Items shown at each end of a summarised dimension (default 3). */
  edgeItems?: number;
  /** Characters per line before the innermost rows wrap (default 80). */
  lineWidth?: number;
}

const FORMAT_OPTIONS = optionKeys<FormatOptions>({ precision: true, threshold: true, edgeItems: true, lineWidth: true });
const DEFAULTS: Required<FormatOptions> = { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80 };

/** What format reads of a tensor. */
export interface Formattable {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  assertLive(op: string): unknown;
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

function sci(v: number, p: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  // Python's {:.4e} writes at least two exponent digits: 1.0000e+05.
  return v.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** torch's _Formatter: picks integer, fixed or scientific notation and one width for every shown value. */
function formatter(dtype: DType, shown: number[], precision: number): (v: number) => string {
  let width = 1;
  let render: (v: number) => string;
  if (dtype === 'bool') render = (v) => (v ? 'true' : 'false');
  else if (dtype === 'int32') render = (v) => String(v);
  else {
    const nz = shown.filter((v) => Number.isFinite(v) && v !== 0);
    const min = nz.reduce((a, b) => Math.min(a, Math.abs(b)), Infinity);
    const max = nz.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    const intMode = nz.every(Number.isInteger);
    const sciMode = nz.length > 0 && (max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4));
    if (sciMode) render = (v) => sci(v, precision);
    else if (intMode) render = (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : nonFinite(v));
    else render = (v) => (Number.isFinite(v) ? v.toFixed(precision) : nonFinite(v));
    // As torch, the width is that of the nonzero finite values; zeros, nan and inf are fitted to it.
    for (const v of nz) width = Math.max(width, render(v).length);
    return (v) => render(v).padStart(width);
  }
  for (const v of shown) width = Math.max(width, render(v).length);
  return (v) => render(v).padStart(width);
}

/**
 * Formats values (row-major, as data() returns them) of a tensor with `shape`, as PyTorch prints:
 *
 * - `tensor(` + nested brackets + `)`; rows of a matrix on their own lines, aligned under the first;
 *   3-D and higher blocks separated by blank lines (one fewer per inner dimension).
 * - float32: all shown values whole → `1.`; else 4 decimals `1.2500`; scientific `1.2500e+05` when the
 *   largest |x| exceeds 1e8, largest/smallest nonzero |x| exceeds 1000, or (not whole) the smallest
 *   is below 1e-4. nan, inf, -inf as such. Every value right-aligned to one width.
 * - int32 as integers, bool as true/false, both right-aligned.
 * - More than `threshold` elements: each dimension longer than 2·edgeItems shows its first and last
 *   edgeItems with `...` between (widths from the shown values only).
 * - The innermost rows wrap to `lineWidth` characters.
 * - Suffixes, in order, comma-separated before the closing paren: `shape=[..]` when summarised or when
 *   empty and not 1-D, `dtype=int32|bool` when not float32, `requiresGrad=true` when set.
 *
 * E.g. `tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]], requiresGrad=true)`.
 */
export function formatValues(values: ArrayLike<number>, shape: readonly number[], dtype: DType, requiresGrad = false, opts: FormatOptions = {}): string {
  const o = settings(opts);
  const ndim = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) fail('format', `${values.length} values for shape ${shapeStr(shape)} (${n} elements)`);
  const summarise = n > o.threshold;
  const suffix: string[] = [];
  if ((summarise || n === 0) && !(n === 0 && ndim === 1)) suffix.push(`shape=${shapeStr(shape)}`);
  if (dtype !== 'float32') suffix.push(`dtype=${dtype}`);
  if (requiresGrad) suffix.push('requiresGrad=true');
  const prefix = 'tensor(';
  const tail = suffix.length ? `, ${suffix.join(', ')})` : ')';
  if (n === 0) return `${prefix}[]${tail}`;
  if (ndim === 0) return `${prefix}${formatter(dtype, [values[0]!], o.precision)(values[0]!)}${tail}`;

  const strides = new Array<number>(ndim);
  for (let d = ndim - 1, s = 1; d >= 0; s *= shape[d]!, d--) strides[d] = s;
  const e = o.edgeItems;
  // The indices shown along a dimension; -1 marks the elision.
  const shownAt = (d: number): number[] => {
    const len = shape[d]!;
    if (!summarise || len <= 2 * e) return Array.from({ length: len }, (_, i) => i);
    const head = Array.from({ length: e }, (_, i) => i);
    return [...head, -1, ...head.map((i) => len - e + i)];
  };
  const shown: number[] = [];
  const collect = (d: number, off: number): void => {
    for (const i of shownAt(d)) {
      if (i < 0) continue;
      if (d === ndim - 1) shown.push(values[off + i]!);
      else collect(d + 1, off + i * strides[d]!);
    }
  };
  collect(0, 0);
  const fmt = formatter(dtype, shown, o.precision);
  const width = shown.reduce((w, v) => Math.max(w, fmt(v).length), 3);

  const render = (d: number, off: number, indent: number): string => {
    const idx = shownAt(d);
    if (d === ndim - 1) {
      const items = idx.map((i) => (i < 0 ? ' ...' : fmt(values[off + i]!)));
      const perLine = Math.max(1, Math.floor((o.lineWidth - indent) / (width + 2)));
      const lines: string[] = [];
      for (let k = 0; k < items.length; k += perLine) lines.push(items.slice(k, k + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    }
    const rows = idx.map((i) => (i < 0 ? '...' : render(d + 1, off + i * strides[d]!, indent + 1)));
    return `[${rows.join(`,${'\n'.repeat(ndim - d - 1)}${' '.repeat(indent + 1)}`)}]`;
  };
  return prefix + render(0, 0, prefix.length) + tail;
}

function settings(opts: FormatOptions): Required<FormatOptions> {
  const o = { ...DEFAULTS, ...checkOptions('format', opts, FORMAT_OPTIONS) };
  for (const [k, min] of [['precision', 0], ['threshold', 0], ['edgeItems', 0], ['lineWidth', 1]] as const)
    if (!Number.isInteger(o[k]) || o[k] < min || (k === 'precision' && o[k] > 20)) fail('format', `${k} must be a whole number >= ${min}${k === 'precision' ? ' and <= 20' : ''}, got ${String(o[k])}`);
  return o;
}

/** The tensor's values as PyTorch prints them (see formatValues); reads the tensor back once. */
export async function format(t: Formattable, opts: FormatOptions = {}): Promise<string> {
  if (!t || typeof t !== 'object' || typeof t.data !== 'function' || !Array.isArray(t.shape)) fail('format', `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  t.assertLive('format');
  settings(opts);
  return formatValues(await t.data(), t.shape, t.dtype, t.requiresGrad, opts);
}
