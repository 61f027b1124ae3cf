// Ownership. Each Tensor holds one reference to its Storage; views add references, and the buffer goes
// back to the pool when the last is dropped. Scopes dispose what was made inside them, except what they
// return or what was `keep`-ed. Each tensor sits in at most one scope, the innermost open when it was
// made. Every async context (AsyncLocalStorage in Node and Deno, AsyncContext where the engine has it)
// has its own stack of open scopes, so two scopes interleaved across awaits each see their own tensors.
// Browsers have no async context: one stack is shared by all code, so an async scope opened while
// another is open (nested in it or from another handler, which cannot be told apart) makes both throw
// at their exit, before anything is freed.
import { fail, type Device } from '../device/index.ts';
import { describeValue } from './shape.ts';

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
  /** Bumped by every in-place write (copy_, add_, …), so autograd can tell a saved tensor was changed. */
  version = 0;
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

type Stack = Set<Owned>[];

interface AsyncCtx {
  get(): Stack | undefined;
  run<R>(stack: Stack, fn: () => R): R;
}

let ctx: AsyncCtx | null = null;
/** The stack outside any async scope, and the only one where there is no async context. */
const root: Stack = [];
const owner = new WeakMap<Owned, Set<Owned>>();
/** Async scopes open on `root` (no async context); `overlapped` marks those another one overlapped. */
const openAsync: { overlapped: boolean }[] = [];

function stack(): Stack {
  return ctx?.get() ?? root;
}

/**
 * Finds the runtime's async context, once, at init. node:async_hooks is never imported statically, so
 * browser bundles do not see it. `on = false` turns it off again (tests of the browser path use it).
 */
export async function enableAsyncScopes(on = true): Promise<boolean> {
  if (!on) return !(ctx = null);
  if (ctx) return true;
  const g = globalThis as any;
  if (typeof g.AsyncContext?.Variable === 'function') {
    const v = new g.AsyncContext.Variable();
    ctx = { get: () => v.get(), run: (s, fn) => v.run(s, fn) };
    return true;
  }
  let hooks = g.process?.getBuiltinModule?.('node:async_hooks');
  if (!hooks && (g.Deno || typeof g.process?.versions?.node === 'string')) {
    try {
      const spec = 'node:async_hooks';
      hooks = await import(/* @vite-ignore */ spec);
    } catch {
      hooks = null;
    }
  }
  if (typeof hooks?.AsyncLocalStorage !== 'function') return false;
  const als = new hooks.AsyncLocalStorage();
  ctx = { get: () => als.getStore(), run: (s, fn) => als.run(s, fn) };
  return true;
}

/** Whether scopes follow async contexts (Node, Deno) rather than one shared stack (browsers). */
export function asyncScopesEnabled(): boolean {
  return ctx !== null;
}

export function track(t: Owned): void {
  const st = stack();
  const top = st[st.length - 1];
  if (!top) return;
  top.add(t);
  owner.set(t, top);
}

export function untrack(t: Owned): void {
  owner.get(t)?.delete(t);
  owner.delete(t);
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

function leave(st: Stack, made: Set<Owned>): void {
  const i = st.lastIndexOf(made);
  if (i >= 0) st.splice(i, 1);
}

/** Disposes what `made` holds except the tensors in `result`, which move to the enclosing scope. */
function exit<T>(made: Set<Owned>, result: T): T {
  const kept = new Set<Owned>();
  visitOwned(result, (t) => kept.add(t));
  for (const t of made) if (!kept.has(t)) t.dispose();
  for (const t of kept)
    if (made.has(t)) {
      untrack(t);
      track(t);
    }
  return result;
}

/** Runs `fn` and disposes every tensor it made, except those in its (possibly nested) result. */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') fail('tidy', `expects a function, got ${describeValue(fn)}`, 'pass the work as a function: wg.tidy(() => ...)');
  const made = new Set<Owned>();
  const st = stack();
  st.push(made);
  let r: T;
  try {
    r = fn();
  } catch (e) {
    leave(st, made);
    exit(made, undefined);
    throw e;
  }
  leave(st, made);
  return exit(made, r);
}

/** As `tidy`, for async functions: awaits inside are allowed. */
export async function scope<T>(fn: () => Promise<T>): Promise<T> {
  if (typeof fn !== 'function') fail('scope', `expects a function, got ${describeValue(fn)}`, 'pass the work as an async function: await wg.scope(async () => ...)');
  const made = new Set<Owned>();
  if (ctx) {
    // The function runs in a context of its own; after the await we are back in the caller's.
    const mine = [...stack(), made];
    let r: T;
    try {
      r = await ctx.run(mine, fn);
    } catch (e) {
      exit(made, undefined);
      throw e;
    }
    return exit(made, r);
  }
  const me = { overlapped: openAsync.length > 0 };
  for (const o of openAsync) o.overlapped = true;
  openAsync.push(me);
  root.push(made);
  let r: T;
  let err: { e: unknown } | null = null;
  try {
    r = await fn();
  } catch (e) {
    err = { e };
  }
  openAsync.splice(openAsync.indexOf(me), 1);
  leave(root, made);
  if (me.overlapped) {
    // Tensors of the other scope may sit in this one's set and the reverse, so nothing can be freed.
    for (const t of made) owner.delete(t);
    made.clear();
    const also = err ? ` (its function also threw: ${(err.e as Error)?.message ?? err.e})` : '';
    fail(
      'scope',
      `two wg.scope() calls were open at the same time, interleaved across awaits or one nested in the other. Without an async context (browsers have none) webgrad cannot tell whose tensors are whose, so this scope freed nothing and the tensors made inside it are yours to dispose${also}`,
      'run async scopes one at a time (await each before starting the next); inside one, use wg.tidy() for synchronous work, dispose() tensors yourself, or wg.keep() the ones that must outlive it',
    );
  }
  if (err) {
    exit(made, undefined);
    throw err.e;
  }
  return exit(made, r!);
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
