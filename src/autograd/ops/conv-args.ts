// Argument handling for the convolution and pooling ops, which take torch.nn.functional's positional
// form (conv2d(x, w, b, stride, padding, dilation, groups), avgPool2d(x, 3, 2, 1)) and an options
// object, alone or after some positional arguments (avgPool2d(x, 3, { stride: 2 })). Every argument
// given is used or rejected: a value given twice, an unknown option or one too many argument fails.
import { checkOptions, fail } from '../../device/index.ts';
import { Tensor } from '../../tensor/index.ts';

export type Pair = number | readonly [number, number];

function isOptions(a: unknown): a is Record<string, unknown> {
  return typeof a === 'object' && a !== null && !Array.isArray(a) && !(a instanceof Tensor);
}

/**
 * Names positional `args` by `names`, then merges a trailing options object (checked against `valid`).
 * Returns the given values by name (undefined ones left out).
 */
export function parseArgs(op: string, names: readonly string[], args: readonly unknown[], valid: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (isOptions(a)) {
      if (i !== args.length - 1) fail(op, `the options object must be the last argument, but ${args.length - 1 - i} more follow it`, 'move the positional arguments before it or into it');
      checkOptions(op, a, valid);
      for (const [k, v] of Object.entries(a)) {
        if (v === undefined) continue;
        if (out[k] !== undefined) fail(op, `${k} is given twice: as a positional argument and in the options object`, `give ${k} once`);
        out[k] = v;
      }
      break;
    }
    if (i >= names.length)
      fail(op, `too many arguments: after the tensors it takes ${names.join(', ')} (${names.length}), got ${args.length}`, 'pass the rest in an options object');
    if (a !== undefined) out[names[i]!] = a;
  }
  return out;
}

/** A positive (min 1) or non-negative (min 0) integer, or a pair of them. */
export function pair(op: string, name: string, v: unknown, dflt: readonly [number, number], min: number): [number, number] {
  const p = v === undefined || v === null ? dflt : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((n) => Number.isInteger(n) && n >= min))
    fail(op, `${name} must be an integer >= ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`, `pass e.g. ${name}: ${min === 0 ? 1 : 2} or [${min === 0 ? '1, 1' : '2, 2'}]`);
  return [p[0]!, p[1]!];
}

/** conv1d's scalar arguments (an integer or a 1-tuple), as the width half of a 2-D pair. */
export function single(op: string, name: string, v: unknown, dflt: number, min: number): number {
  const s = Array.isArray(v) && v.length === 1 ? v[0] : v === undefined || v === null ? dflt : v;
  if (!Number.isInteger(s) || (s as number) < min) fail(op, `${name} must be an integer >= ${min} (or [${name}]), got ${JSON.stringify(v)}`, `pass e.g. ${name}: ${Math.max(min, 1)}`);
  return s as number;
}

export function flag(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail(op, `${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalTensor(op: string, name: string, v: unknown): Tensor | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor)) fail(op, `${name} must be a Tensor or null, got ${typeof v === 'object' ? 'an array' : typeof v} ${JSON.stringify(v)}`, `pass ${name} as a tensor, or null for none`);
  return v;
}
