// Module: a callable container of parameters and submodules, as torch.nn.Module.
//
// Calling. A Module instance IS a function: the constructor returns a Proxy around an arrow function
// whose prototype is the subclass's prototype, so `model(x)` runs `model.forward(x)` and `instanceof`,
// methods and fields work as on any object. The call signature is typed by merging an interface with
// the class (`Module<In, Out>` is callable as `(...args: In) => Out`). Because TypeScript gives callable
// types the members of Function, a subclass field called `name` or `length` needs `override`.
//
// Registration. The proxy's only trap is defineProperty, which both class fields and plain assignments
// (`this.fc = new Linear(...)`) go through: a leaf tensor that requires grad becomes a parameter and is
// kept out of every scope at once, so building a model inside tidy() does not free its weights.
// Submodules need no registration: parameters() walks the fields (and arrays of modules or tensors)
// in definition order, a module's own tensors before its children's (as torch), each tensor once. registerParameter / registerBuffer / registerModule do the same explicitly;
// frozen parameters (requiresGrad false) stay parameters once registered.
//
// Base-class state lives in the constructor body, never in field initializers: those would land on the
// object the constructor discards in favour of the proxy.
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { copy } from '../kernels/index.ts';
import { keep, sameShape, Tensor } from '../tensor/index.ts';
import { clone, detach } from '../autograd/index.ts';

const PARAMS = new WeakSet<Tensor>();
const BUFFERS = new WeakSet<Tensor>();

/** Marks `t` as a parameter (requiring grad unless told otherwise) and keeps it out of scopes. */
export function parameter(t: Tensor, requiresGrad = true): Tensor {
  t.assertLive('parameter');
  if (requiresGrad && t.dtype !== 'float32')
    fail('parameter', `a ${t.dtype} tensor ${shapeStr(t.shape)} cannot require gradients`, "cast it with .float(), or pass requiresGrad = false");
  if (t.gradFn) fail('parameter', `the tensor ${shapeStr(t.shape)} (made by ${t.op}) is not a leaf of the graph`, 'detach() it first, or create the parameter directly');
  t.requiresGrad = requiresGrad;
  PARAMS.add(t);
  return keep(t);
}

function isParam(v: Tensor): boolean {
  return PARAMS.has(v) || (v.requiresGrad && !v.gradFn);
}

function onAssign(value: unknown): void {
  if (value instanceof Tensor) {
    if (!BUFFERS.has(value) && isParam(value) && !value.isDisposed) {
      PARAMS.add(value);
      keep(value);
    }
  } else if (Array.isArray(value)) for (const v of value) if (v instanceof Tensor) onAssign(v);
}

export interface StateDictOptions {
  /** Copies on the GPU instead of the live tensors (a snapshot; the caller owns and disposes them). */
  clone?: boolean;
}

export interface LoadStateDictOptions {
  /** Every parameter and buffer must be present and no key may be unknown (default true). */
  strict?: boolean;
}

const STATE_DICT_OPTIONS = optionKeys<StateDictOptions>({ clone: true });
const LOAD_STATE_DICT_OPTIONS = optionKeys<LoadStateDictOptions>({ strict: true });

/** The call signature every module has; see the header. */
export interface Module<In extends unknown[] = [Tensor], Out = Tensor> {
  (...args: In): Out;
}

export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Whether the module is in training mode (dropout, batch norm); set with train() / eval(). */
  declare training: boolean;

  constructor() {
    const fn = (...args: unknown[]) => (proxy as unknown as { forward(...a: unknown[]): unknown }).forward(...args);
    // The arrow function's own read-only `name` and `length` would reject fields of those names.
    delete (fn as { name?: string }).name;
    delete (fn as { length?: number }).length;
    Object.setPrototypeOf(fn, new.target.prototype);
    const proxy = new Proxy(fn, {
      defineProperty(target, key, desc) {
        if ('value' in desc) onAssign(desc.value);
        return Reflect.defineProperty(target, key, desc);
      },
    });
    (proxy as unknown as { training: boolean }).training = true;
    return proxy as unknown as this;
  }

  abstract forward(...args: In): Out;

  /** Runs forward; the same as calling the module. */
  call(...args: In): Out {
    return this.forward(...args);
  }

  /** Adds (or replaces) a parameter under `name`, readable as `this[name]`. */
  registerParameter(name: string, t: Tensor, requiresGrad = true): Tensor {
    parameter(t, requiresGrad);
    (this as unknown as Record<string, unknown>)[name] = t;
    return t;
  }

  /** Adds a tensor that is saved in stateDict but not trained (running statistics). */
  registerBuffer(name: string, t: Tensor): Tensor {
    t.assertLive('registerBuffer');
    BUFFERS.add(t);
    keep(t);
    (this as unknown as Record<string, unknown>)[name] = t;
    return t;
  }

  registerModule<M extends Module<any, any>>(name: string, m: M): M {
    if (!(m instanceof Module)) fail('registerModule', `'${name}' is not a Module`, 'pass an instance of a Module subclass');
    (this as unknown as Record<string, unknown>)[name] = m;
    return m;
  }

  /** Own entries in definition order: [name, value] for tensors and modules, arrays flattened to name.i. */
  private *entries(): Generator<[string, Tensor | Module<any, any>]> {
    for (const key of Object.keys(this)) {
      const v = (this as unknown as Record<string, unknown>)[key];
      if (v instanceof Tensor || v instanceof Module) yield [key, v];
      else if (Array.isArray(v))
        for (let i = 0; i < v.length; i++) if (v[i] instanceof Tensor || v[i] instanceof Module) yield [`${key}.${i}`, v[i]];
    }
  }

  *namedChildren(): Generator<[string, Module<any, any>]> {
    for (const [k, v] of this.entries()) if (v instanceof Module) yield [k, v];
  }

  *children(): Generator<Module<any, any>> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every submodule, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = '', seen = new Set<Module<any, any>>()): Generator<[string, Module<any, any>]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, seen);
  }

  *modules(): Generator<Module<any, any>> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Parameters with dotted names (`fc1.weight`), each tensor once even when shared. */
  namedParameters(): [string, Tensor][] {
    return this.namedTensors(true);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    return this.namedTensors(false);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  private namedTensors(params: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules())
      for (const [k, v] of m.entries()) {
        if (!(v instanceof Tensor) || seen.has(v)) continue;
        const isBuf = BUFFERS.has(v);
        if (params ? isBuf || !isParam(v) : !isBuf) continue;
        if (params) onAssign(v);
        seen.add(v);
        out.push([prefix ? `${prefix}.${k}` : k, v]);
      }
    return out;
  }

  /**
   * Parameters and buffers by dotted name. These are the live tensors (do not dispose them) unless
   * `{clone: true}` asks for GPU copies, which make a snapshot that later training does not change.
   */
  stateDict(opts: StateDictOptions = {}): Record<string, Tensor> {
    checkOptions('stateDict', opts, STATE_DICT_OPTIONS);
    const out: Record<string, Tensor> = {};
    for (const [k, t] of [...this.namedParameters(), ...this.namedBuffers()]) out[k] = opts.clone ? detachedClone(t) : t;
    return out;
  }

  /**
   * Copies values into the existing parameters and buffers on the GPU (no upload, no readback). Every
   * shape and dtype is checked before anything is written, so a bad dict changes nothing.
   */
  loadStateDict(state: Record<string, Tensor>, opts: LoadStateDictOptions = {}): this {
    checkOptions('loadStateDict', opts, LOAD_STATE_DICT_OPTIONS);
    const strict = opts.strict ?? true;
    if (state === null || typeof state !== 'object') fail('loadStateDict', `expected a Record<string, Tensor>, got ${state === null ? 'null' : typeof state}`);
    const mine = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...mine.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !mine.has(k));
    if (strict && (missing.length || unexpected.length))
      fail(
        'loadStateDict',
        `the keys do not match the model's: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''}`,
        `pass exactly the keys of model.stateDict() (${[...mine.keys()].join(', ')}), or {strict: false} to load the matching ones`,
      );
    const pairs: [Tensor, Tensor][] = [];
    // Every mismatched shape is reported at once, so one error shows how the two models differ.
    const wrong: string[] = [];
    for (const [k, dst] of mine) {
      const src = state[k];
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) fail('loadStateDict', `'${k}' is ${typeof src}, not a Tensor`);
      src.assertLive('loadStateDict');
      dst.assertLive('loadStateDict');
      if (!sameShape(src.shape, dst.shape)) wrong.push(`'${k}' has shape ${shapeStr(src.shape)} in the state dict but ${shapeStr(dst.shape)} in the model`);
      else if (src.dtype !== dst.dtype) fail('loadStateDict', `'${k}' is ${src.dtype} in the state dict but ${dst.dtype} in the model`, `cast it with .cast('${dst.dtype}')`);
      pairs.push([src, dst]);
    }
    if (wrong.length) fail('loadStateDict', wrong.join('; '), 'load a state dict saved from a model with the same layer sizes');
    for (const [src, dst] of pairs) if (src !== dst) copy(dst.dev, src, dst);
    return this;
  }

  /** Sets training mode here and in every submodule. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (set to null, freeing it), as torch's zero_grad(set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls fn on every submodule (children first) and then on this one, as torch's Module.apply. */
  apply(fn: (m: Module<any, any>) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Frees every parameter and buffer; the module cannot be used afterwards. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  /** The number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0);
  }

  toString(): string {
    const kids = [...this.namedChildren()].map(([k, m]) => `  (${k}): ${String(m).replace(/\n/g, '\n  ')}`);
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    return kids.length ? `${head}\n${kids.join('\n')}\n)` : `${head})`;
  }

  /** What toString shows between the parentheses, e.g. `in=2, out=3, bias=true`. */
  extraRepr(): string {
    return '';
  }
}

function detachedClone(t: Tensor): Tensor {
  const d = detach(t);
  const c = clone(d);
  d.dispose();
  return c;
}
