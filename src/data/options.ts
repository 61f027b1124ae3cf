// Option objects are checked by name so a typo (`batchsize`) fails loudly instead of being ignored.
import { fail } from '../device/index.ts';

function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The valid name nearest to `name` (edit distance, ignoring case). */
export function closest(name: string, valid: readonly string[]): string {
  return valid.reduce((best, v) => (distance(name, v) < distance(name, best) ? v : best), valid[0]!);
}

/** Throws on any key of `opts` not in `valid`, naming the closest valid one. */
export function checkOptions(op: string, opts: unknown, valid: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) fail(op, `options must be an object, got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts}`, `pass {${valid.join(', ')}}`);
  for (const k of Object.keys(opts))
    if (!valid.includes(k)) fail(op, `unknown option '${k}'`, `did you mean '${closest(k, valid)}'? Valid options: ${valid.join(', ')}`);
}

export function checkInt(op: string, what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(op, `${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

export function checkBool(op: string, what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(op, `${what} must be true or false, got ${String(v)}`);
  return v;
}
