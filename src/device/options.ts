// Options objects are checked at run time too: TypeScript rejects `{weight_decay: 0.1}`, plain
// JavaScript would ignore it silently. Each options type lists its keys once, through `optionKeys`,
// whose argument must name every key of the type and no other, so the run-time list cannot drift from
// the type. Knows nothing of tensors, so every layer can use it.
import { fail } from './errors.ts';

/**
 * The keys of options type T, from an object literal `{key: true, ...}` that the compiler checks for
 * completeness (every key of T is required) and for extras (excess-property check).
 */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly (keyof T & string)[] {
  return Object.freeze(Object.keys(keys)) as readonly (keyof T & string)[];
}

/** Edit distance counting a swap of neighbours as one edit ('bais' → 'bias'), case-insensitive. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + same);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

const camel = (s: string): string => s.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** The valid key the user most likely meant, or undefined when none is close. */
export function closest(key: string, valid: readonly string[]): string | undefined {
  // torch's snake_case names map to webgrad's camelCase ones.
  const c = camel(key);
  const exact = valid.find((v) => v === c) ?? valid.find((v) => v.toLowerCase() === c.toLowerCase());
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const d = Math.min(distance(key, v), distance(c, v));
    if (d < bestD) [best, bestD] = [v, d];
  }
  // A third of the name may be wrong (at least one edit): 'momentom' → 'momentum' and 'beta' → 'betas' are in, 'foo' → 'eps' is out.
  if (best !== undefined && bestD <= Math.max(1, Math.floor(Math.max(key.length, best.length) / 3))) return best;
  // Else a long shared start: torch's old 'reduce' → 'reduction'.
  const common = (v: string) => {
    let i = 0;
    while (i < v.length && i < c.length && v[i]!.toLowerCase() === c[i]!.toLowerCase()) i++;
    return i;
  };
  const byPrefix = valid.reduce<[string | undefined, number]>((acc, v) => (common(v) > acc[1] ? [v, common(v)] : acc), [undefined, 0]);
  return byPrefix[1] >= 4 && byPrefix[1] * 2 >= c.length ? byPrefix[0] : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array [${v.slice(0, 4).map(String).join(', ')}${v.length > 4 ? ', …' : ''}]`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}

/**
 * Checks that `opts` is a plain options object (or undefined) whose keys are all in `valid`; fails
 * naming `op`, each unknown key, the closest valid name and the full list. Returns opts (or {}).
 */
export function checkOptions<T extends object>(op: string, opts: T | undefined, valid: readonly string[]): T {
  if (opts === undefined) return {} as T;
  // Plain objects only (from any realm: an iframe's Object is another one); a class instance such as a
  // tensor where options belong is a misplaced argument.
  const proto = opts === null || typeof opts !== 'object' ? undefined : Object.getPrototypeOf(opts);
  const plain = proto === null || proto === Object.prototype || (proto !== undefined && Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object');
  if (!plain)
    fail(op, `expected an options object, got ${describe(opts)}`, `pass {${valid.map((k) => `${k}?`).join(', ')}}, or nothing for the defaults`);
  const unknown = Object.keys(opts).filter((k) => !valid.includes(k));
  if (!unknown.length) return opts;
  const list = `valid options: ${valid.length ? valid.join(', ') : '(none)'}`;
  const hints = unknown.map((k) => [k, closest(k, valid)] as const).filter(([, s]) => s !== undefined);
  const problem = unknown.length === 1 ? `unknown option '${unknown[0]}'` : `unknown options ${unknown.map((k) => `'${k}'`).join(', ')}`;
  const hint =
    unknown.length === 1 && hints.length === 1
      ? `did you mean '${hints[0]![1]}'? `
      : hints.length
        ? `did you mean ${hints.map(([k, s]) => `'${s}' for '${k}'`).join(', ')}? `
        : '';
  return fail(op, problem, hint + list);
}
