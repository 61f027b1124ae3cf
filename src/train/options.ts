// Options objects are checked by name: a misspelt option is an error naming the closest valid one,
// never silently ignored.
import { fail } from '../device/index.ts';

/** Levenshtein distance; small strings only (option and flag names). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The valid name nearest to `name` (case-insensitive edit distance; ties go to the first listed). */
export function closest(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const dd = distance(name, v);
    if (dd < bestD) [best, bestD] = [v, dd];
  }
  return best;
}

/** Fails when `opts` has a key not in `valid`, naming the closest valid one. */
export function checkOptions(op: string, opts: object | undefined, valid: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object') fail(op, `options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  for (const k of Object.keys(opts))
    if (!valid.includes(k)) {
      const near = closest(k, valid);
      fail(op, `unknown option '${k}'`, `did you mean '${near}'? Valid options: ${valid.join(', ')}`);
    }
}
