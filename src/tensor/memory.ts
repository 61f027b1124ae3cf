// Ownership. Each Tensor holds one reference to its Storage; views add references, and the buffer goes
// back to the pool when the last is dropped. Scopes dispose what was made inside them, except what they
// return or what was `keep`-ed. A scope stack (not a global) lets awaits happen inside a scope; two
// scopes that interleave across awaits would share the innermost one, so run them one after another.
import type { Device } from '../device/index.ts';

export interface Owned {
  dispose(): void;
  readonly isDisposed: boolean;
}

/** Work deferred until the storage is first read: a fused elementwise chain (see lazy.ts). */
export interface Pending {
  run(): void;
  drop(): void;
}

export class Storage {
  refs = 1;
  /** Set while the contents are still to be computed; reading `buffer` computes them. */
  pending: Pending | null = null;
  constructor(
    readonly dev: Device,
    private readonly raw: GPUBuffer,
    readonly bytes: number,
  ) {}
  /** The GPU buffer, with any deferred work that fills it recorded first. */
  get buffer(): GPUBuffer {
    const p = this.pending;
    if (p) {
      this.pending = null;
      p.run();
    }
    return this.raw;
  }
  /** The buffer without realizing deferred work, for the code that does the realizing. */
  get unrealized(): GPUBuffer {
    return this.raw;
  }
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs > 0) return;
    // Deferred work nobody can read any more is dropped, never run.
    this.pending?.drop();
    this.pending = null;
    this.dev.release(this.raw);
  }
}

const scopes: Set<Owned>[] = [];

export function track(t: Owned): void {
  scopes[scopes.length - 1]?.add(t);
}

export function untrack(t: Owned): void {
  for (const s of scopes) s.delete(t);
}

/** Exempts tensors from every enclosing scope (model parameters, optimizer state). */
export function keep<T>(value: T): T {
  visitOwned(value, untrack);
  return value;
}

function visitOwned(value: unknown, fn: (t: Owned) => void, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Owned).dispose === 'function' && 'isDisposed' in (value as object)) {
    fn(value as Owned);
    return;
  }
  if (Array.isArray(value)) for (const v of value) visitOwned(v, fn, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map)
    for (const v of value instanceof Map ? value.values() : Object.values(value)) visitOwned(v, fn, seen);
}

function exit<T>(made: Set<Owned>, result: T): T {
  scopes.pop();
  const kept = new Set<Owned>();
  visitOwned(result, (t) => kept.add(t));
  for (const t of made) if (!kept.has(t)) t.dispose();
  for (const t of kept) if (made.has(t)) track(t);
  return result;
}

/** Runs `fn` and disposes every tensor it made, except those in its (possibly nested) result. */
export function tidy<T>(fn: () => T): T {
  const made = new Set<Owned>();
  scopes.push(made);
  try {
    return exit(made, fn());
  } catch (e) {
    exit(made, undefined);
    throw e;
  }
}

/** As `tidy`, for async functions: awaits inside are allowed. */
export async function scope<T>(fn: () => Promise<T>): Promise<T> {
  const made = new Set<Owned>();
  scopes.push(made);
  const depth = scopes.length;
  try {
    const r = await fn();
    if (scopes.length !== depth) throw new Error('scope: an inner scope was still open when this one ended; await scopes one at a time');
    return exit(made, r);
  } catch (e) {
    if (scopes.length === depth) exit(made, undefined);
    throw e;
  }
}

const leakRegistry =
  typeof FinalizationRegistry !== 'undefined'
    ? new FinalizationRegistry<{ what: string; storage: Storage; report: (msg: string) => void }>((h) => {
        h.report(`webgrad: a tensor ${h.what} was garbage-collected without dispose(); its GPU memory is freed now`);
        h.storage.release();
      })
    : null;

let leakReporter: (msg: string) => void = (m) => console.warn(m);
export function onLeak(fn: (msg: string) => void): void {
  leakReporter = fn;
}

export function watchLeak(t: object, what: string, storage: Storage): void {
  leakRegistry?.register(t, { what, storage, report: (m) => leakReporter(m) }, t);
}

export function unwatchLeak(t: object): void {
  leakRegistry?.unregister(t);
}
