// Op declarations. A public op is one exported declaration: `export const f = op(fn, method)` (or a
// family helper such as elementwise's unary() that calls op()). The declaration carries how f appears
// as a Tensor method, so methods.ts installs every method from the family modules' exports and the
// Tensor interface is typed from them by MethodsOf: neither can be forgotten, and neither is written
// twice. Ops whose method is not "f with this first" say so in the declaration.
import type { Tensor } from '../tensor/index.ts';

export const METHOD: unique symbol = Symbol('webgrad.method');

/** `this` as the first argument of the function. */
type SelfFirst = (self: Tensor, ...rest: any[]) => unknown;
/** A read-only property computed from `this` (t.T). */
export interface Getter {
  get: (self: Tensor) => unknown;
}
/**
 * true: the method is the function with `this` first; false: no method; a function: the method's body,
 * `this` first (where(cond, other) puts `this` second); a Getter: a property.
 */
export type MethodSpec = boolean | SelfFirst | Getter;

export type Op<F extends (...a: any[]) => unknown, M extends MethodSpec = true> = F & { readonly [METHOD]: M };

/** Declares a public op: the function itself, marked with how it appears on Tensor. */
export function op<F extends (...a: any[]) => unknown>(fn: F): Op<F, true>;
export function op<F extends (...a: any[]) => unknown, M extends MethodSpec>(fn: F, method: M): Op<F, M>;
export function op(fn: (...a: any[]) => unknown, method: MethodSpec = true): Op<(...a: any[]) => unknown, MethodSpec> {
  return Object.assign(fn, { [METHOD]: method });
}

/** A method (or property) that is not an op of its own: t.float(), t.backward(). */
export function method<M extends SelfFirst | Getter>(m: M): Op<() => never, M> {
  return op(() => {
    throw new Error('a method declaration is not callable as a function');
  }, m);
}

/** A method type stated by the declaration (an overloaded method, which Rest<> cannot carry). Type only. */
export declare const METHOD_TYPE: unique symbol;
export type WithMethodType<O, T> = O & { readonly [METHOD_TYPE]: T };
/** Gives a declaration an explicit (e.g. overloaded) method type: `withMethodType<M>()(op(fn))`. */
export const withMethodType = <T>() => <O>(o: O): WithMethodType<O, T> => o as WithMethodType<O, T>;

type Rest<F> = F extends (self: any, ...rest: infer P) => infer R ? (...rest: P) => R : never;
type Spec<V> = V extends { readonly [METHOD]: infer M } ? M : false;
type MethodKeys<NS> = { [K in keyof NS]: Spec<NS[K]> extends false | Getter ? never : K }[keyof NS];
type GetterKeys<NS> = { [K in keyof NS]: Spec<NS[K]> extends Getter ? K : never }[keyof NS];

/** The Tensor methods and properties a module's (or object's) op declarations give. */
export type MethodsOf<NS> = {
  [K in MethodKeys<NS>]: NS[K] extends { readonly [METHOD_TYPE]: infer T } ? T : Spec<NS[K]> extends SelfFirst ? Rest<Spec<NS[K]>> : Rest<NS[K]>;
} & {
  readonly [K in GetterKeys<NS>]: Spec<NS[K]> extends { get: (self: Tensor) => infer R } ? R : never;
};

/** The names of a module's exports that are op declarations (every one must reach the public index). */
export type OpKeys<NS> = { [K in keyof NS]: NS[K] extends { readonly [METHOD]: MethodSpec } ? K : never }[keyof NS];

function specOf(v: unknown): MethodSpec {
  return typeof v === 'function' && METHOD in v ? (v as { [METHOD]: MethodSpec })[METHOD] : false;
}

/** Installs the methods of every op declaration in `modules` on `proto`. The one place methods are made. */
export function installMethods(proto: object, modules: readonly object[]): void {
  for (const ns of modules)
    for (const [name, v] of Object.entries(ns)) {
      const m = specOf(v);
      if (m === false) continue;
      if (typeof m === 'object') {
        const get = m.get;
        Object.defineProperty(proto, name, { get(this: Tensor) { return get(this); }, configurable: true });
        continue;
      }
      const fn = (m === true ? v : m) as (self: Tensor, ...a: unknown[]) => unknown;
      Object.defineProperty(proto, name, {
        value: function (this: Tensor, ...args: unknown[]) {
          return fn(this, ...args);
        },
        configurable: true,
        writable: true,
      });
    }
}
