// The Optimizer base: parameter groups, per-parameter state, zeroGrad, stateDict/loadStateDict and the
// step loop. Subclasses supply hyperparameter checks and one fused kernel call per parameter.
// All of a parameter's state tensors are views into one kept storage, so one read_write binding serves
// every slot and the state outlives any scope until dispose().
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { contiguousStrides, copy, fill, gradEdit, type GradEdit, type View } from '../kernels/index.ts';
import { contiguousRaw, device, empty, keep, sameShape, Tensor, tensor, viewOf } from '../tensor/index.ts';
import { enableGrad } from '../autograd/index.ts';

export interface BaseOptions {
  lr: number;
  weightDecay: number;
  /** Maximize the objective rather than minimize it (the gradient's sign is flipped). */
  maximize: boolean;
}

/** A parameter group: its parameters and its own copy of every hyperparameter (mutable: `g.lr = 0.1`). */
export type ParamGroup<O> = O & {
  params: Tensor[];
  /** The lr a scheduler started from; set by the first scheduler attached. */
  initialLr?: number;
};

export type ParamGroupInput<O> = Partial<O> & { params: Tensor | Iterable<Tensor> };
export type ParamsInput<O> = Tensor | Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Per-parameter state: the number of updates so far and the state tensors, by name. */
export interface ParamState {
  step: number;
  [name: string]: Tensor | number;
}

export type StateValue = Tensor | ArrayLike<number>;

export interface OptimizerStateDict {
  /** By parameter index, counted through the groups in order. */
  state: Record<number, { step: number; [name: string]: StateValue | number }>;
  paramGroups: ({ params: number[] } & Record<string, unknown>)[];
}

export interface ZeroGradOptions {
  /** Drop the gradients (default, as torch's set_to_none=True); false zeroes them in place. */
  setToNone?: boolean;
}

const ZERO_GRAD_OPTIONS = optionKeys<ZeroGradOptions>({ setToNone: true });

/** Fails unless `ok`, naming the optimizer and the option. */
export function ensure(ok: boolean, op: string, problem: string, fix?: string): void {
  if (!ok) fail(op, problem, fix);
}

export function nonNegative(op: string, name: string, v: unknown): void {
  ensure(typeof v === 'number' && v >= 0 && Number.isFinite(v), op, `${name} must be a finite number >= 0, got ${String(v)}`);
}

export function isBool(op: string, name: string, v: unknown): void {
  ensure(typeof v === 'boolean', op, `${name} must be true or false, got ${String(v)}`);
}

/** Drops undefined entries so that `{...defaults, ...given}` keeps the defaults for them. */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: O;
  private dummy: Tensor | null = null;
  private disposed = false;

  /**
   * `defaults` holds every option of O, so its keys are the valid option names: `given` (the user's
   * options, merged over the defaults) and every parameter group may use no others.
   */
  constructor(
    readonly name: string,
    params: ParamsInput<O>,
    defaults: O,
    given?: Partial<O>,
  ) {
    if (given !== undefined) defaults = { ...defaults, ...defined(checkOptions(name, given, Object.keys(defaults))) };
    this.defaults = defaults;
    this.validate(defaults);
    if (params instanceof Tensor) params = [params];
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
      fail(name, `params must be a tensor, an array of tensors or an array of parameter groups, got ${String(params)}`);
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (!list.length) fail(name, 'got an empty parameter list', 'pass the tensors to optimize, e.g. model.parameters()');
    if (list.every((x) => x instanceof Tensor)) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    else if (list.every((g) => !(g instanceof Tensor) && g !== null && typeof g === 'object' && 'params' in g))
      for (const g of list as ParamGroupInput<O>[]) this.addParamGroup(g);
    else fail(name, 'params mixes tensors and parameter groups', 'pass either tensors or {params, ...options} groups');
  }

  /** Checks one group's (or the defaults') hyperparameters; throws a WebGradError naming the bad one. */
  protected abstract validate(o: O): void;
  /** The state names this optimizer may keep, in slot order (for loadStateDict). */
  protected abstract slotNames(): readonly string[];
  /** The state a parameter of `group` needs before its first update (SGD creates its buffer lazily). */
  protected abstract requiredSlots(group: ParamGroup<O>): readonly string[];
  /** The value every state slot starts at. */
  protected initialValue(_group: ParamGroup<O>): number {
    return 0;
  }
  /** One fused update of `p` from its contiguous gradient `g`. */
  protected abstract update(p: Tensor, g: View, group: ParamGroup<O>, st: ParamState): void;

  addParamGroup(group: ParamGroupInput<O>): void {
    this.live('addParamGroup');
    checkOptions(`${this.name} parameter group ${this.paramGroups.length}`, group, ['params', ...Object.keys(this.defaults)]);
    const { params, ...rest } = group;
    const ps = params instanceof Tensor ? [params] : [...(params as Iterable<Tensor>)];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    ps.forEach((p, i) => {
      const what = `parameter ${i} of group ${this.paramGroups.length}`;
      if (!(p instanceof Tensor)) fail(this.name, `${what} is ${String(p)}, not a tensor`);
      p.assertLive(this.name);
      ensure(p.dtype === 'float32', this.name, `${what} is ${p.dtype}; only float32 tensors can be optimized`, 'cast it with .float() before creating the parameter');
      ensure(p.requiresGrad, this.name, `${what} (shape ${shapeStr(p.shape)}) does not require grad, so it never gets a gradient`, 'create it with {requiresGrad: true} or call requiresGrad_()');
      ensure(p.gradFn === null, this.name, `${what} (shape ${shapeStr(p.shape)}) is not a leaf: it was computed by ${p.op}`, 'optimize the leaf tensors it was computed from, or detach() it and requiresGrad_() the copy');
      ensure(p.isContiguous(), this.name, `${what} has shape ${shapeStr(p.shape)} with strides ${shapeStr(p.strides)}, not contiguous; updates are written in place into the parameter's storage`, 'make the parameter contiguous (contiguous().detach().requiresGrad_()) before creating the optimizer');
      ensure(!seen.has(p), this.name, `${what} (shape ${shapeStr(p.shape)}) appears more than once`, 'list each parameter in exactly one group');
      seen.add(p);
    });
    const g = { ...this.defaults, ...defined(rest as object), params: ps } as ParamGroup<O>;
    // Array options (betas) are copied so that groups never share one array.
    for (const [k, v] of Object.entries(g)) if (k !== 'params' && Array.isArray(v)) (g as unknown as Record<string, unknown>)[k] = [...v];
    this.validate(g);
    this.paramGroups.push(g);
  }

  /**
   * Updates every parameter that has a gradient, in place, one fused dispatch each. With a closure,
   * re-evaluates the loss first (with gradients enabled) and returns it.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    this.live('step');
    const loss = closure ? enableGrad(closure) : undefined;
    // Everything is checked before the first dispatch, so a bad group leaves no parameter half-updated.
    const work: [Tensor, Tensor, ParamGroup<O>][] = [];
    for (const group of this.paramGroups) {
      this.validate(group);
      for (const p of group.params) {
        p.assertLive(`${this.name}.step`);
        const g = p._grad;
        if (!g) continue;
        g.assertLive(`${this.name}.step`);
        ensure(g.dtype === 'float32' && sameShape(g.shape, p.shape), `${this.name}.step`, `the gradient ${shapeStr(g.shape)} ${g.dtype} does not match its parameter ${shapeStr(p.shape)}`, 'assign gradients of the parameter\'s shape and float32');
        const st = this.state.get(p);
        if (st) {
          const missing = this.requiredSlots(group).filter((k) => !(st[k] instanceof Tensor));
          ensure(!missing.length, `${this.name}.step`, `the state of a parameter ${shapeStr(p.shape)} lacks ${missing.join(', ')}, which the group's current options need (were they changed after the first step?)`, 'keep such options fixed, or load a state dict made with them');
        }
        work.push([p, g, group]);
      }
    }
    for (const [p, g, group] of work) {
      if (p.numel() === 0) continue;
      const st = this.stateFor(p, group);
      const dense = g.isContiguous();
      const gv = dense ? g : contiguousRaw(g, 'float32', `${this.name}.step`);
      this.update(p, gv, group, st);
      if (!dense) gv.dispose();
    }
    return loss;
  }

  /** Drops every parameter's gradient (default) or zeroes it in place ({setToNone: false}). */
  zeroGrad(opts: ZeroGradOptions = {}): void {
    this.live('zeroGrad');
    checkOptions(`${this.name}.zeroGrad`, opts, ZERO_GRAD_OPTIONS);
    const toNone = opts.setToNone ?? true;
    const grads = this.paramGroups.flatMap((g) => g.params).filter((p) => p._grad);
    if (toNone) {
      for (const p of grads) {
        p._grad!.dispose();
        p._grad = null;
      }
      return;
    }
    for (const p of grads)
      ensure(p._grad!.isContiguous(), 'zeroGrad', `the gradient of a parameter ${shapeStr(p.shape)} is a strided view and cannot be zeroed in place`, 'use zeroGrad() (set to none)');
    for (const p of grads) editGrad(p._grad!, { mode: 'zero' }, this.scratch());
  }

  /** The state of every parameter that has any, as GPU copies the caller owns, and every group's options. */
  stateDict(): OptimizerStateDict {
    this.live('stateDict');
    const index = this.paramIndex();
    const state: OptimizerStateDict['state'] = {};
    for (const [p, st] of this.state) {
      const entry: { step: number; [k: string]: StateValue | number } = { step: st.step };
      for (const [k, v] of Object.entries(st)) if (v instanceof Tensor) entry[k] = contiguousRaw(v, 'float32', 'stateDict');
      state[index.get(p)!] = entry;
    }
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...rest } = g;
      return { ...(structuredClone(rest) as Record<string, unknown>), params: params.map((p) => index.get(p)!) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores state and group options from `stateDict()` output (tensors, or arrays of numbers read
   * back and serialized). Groups and parameters are matched by position and must have the same sizes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    this.live('loadStateDict');
    ensure(!!sd && typeof sd === 'object' && Array.isArray(sd.paramGroups) && !!sd.state && typeof sd.state === 'object', op, 'expected {state, paramGroups} as stateDict() returns');
    ensure(sd.paramGroups.length === this.paramGroups.length, op, `the state dict has ${sd.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`, 'load it into an optimizer built with the same groups');
    const params = this.paramGroups.flatMap((g) => g.params);
    const merged = sd.paramGroups.map((saved, i) => {
      const mine = this.paramGroups[i]!;
      ensure(Array.isArray(saved.params) && saved.params.length === mine.params.length, op, `group ${i} has ${saved.params?.length} parameters in the state dict and ${mine.params.length} here`, 'load it into an optimizer built with the same groups');
      const { params: _, ...rest } = saved;
      const g = { ...mine, ...(structuredClone(rest) as Partial<O>) } as ParamGroup<O>;
      this.validate(g);
      return g;
    });
    const known = this.slotNames();
    const entries: [Tensor, number, [string, StateValue][]][] = [];
    for (const [key, entry] of Object.entries(sd.state)) {
      const i = Number(key);
      ensure(Number.isInteger(i) && i >= 0 && i < params.length, op, `state entry ${key} names no parameter (there are ${params.length})`);
      const p = params[i]!;
      ensure(typeof entry.step === 'number' && entry.step >= 0 && Number.isInteger(entry.step), op, `state ${i} has step ${String(entry.step)}; it must be a whole number >= 0`);
      const slots: [string, StateValue][] = [];
      for (const [k, v] of Object.entries(entry)) {
        if (k === 'step') continue;
        ensure(known.includes(k), op, `state ${i} has '${k}', which ${this.name} does not keep`, `${this.name} keeps ${known.join(', ')}`);
        const n = v instanceof Tensor ? v.numel() : (v as ArrayLike<number>)?.length;
        ensure(n === p.numel(), op, `state ${i} '${k}' has ${n} elements but its parameter ${shapeStr(p.shape)} has ${p.numel()}`, 'load the state dict into an optimizer over the same parameters');
        if (v instanceof Tensor) {
          v.assertLive(op);
          ensure(v.dtype === 'float32', op, `state ${i} '${k}' is ${v.dtype}, not float32`);
        }
        slots.push([k, v as StateValue]);
      }
      slots.sort((a, b) => known.indexOf(a[0]) - known.indexOf(b[0]));
      entries.push([p, entry.step, slots]);
    }
    // New state is built before the old is dropped, so a dict holding this optimizer's own tensors loads.
    const fresh = new Map<Tensor, ParamState>();
    for (const [p, step, slots] of entries) {
      const st = this.allocate(p, slots.map(([k]) => k), 0, step);
      for (const [k, v] of slots) writeInto(st[k] as Tensor, v);
      fresh.set(p, st);
    }
    this.clearState();
    for (const [p, st] of fresh) this.state.set(p, st);
    merged.forEach((g, i) => Object.assign(this.paramGroups[i]!, g));
  }

  /** Frees the optimizer state. The optimizer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.clearState();
    this.dummy?.dispose();
    this.dummy = null;
    this.disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The state of `p`, with the slots its group needs allocated (zeroed, or initialValue). */
  protected stateFor(p: Tensor, group: ParamGroup<O>): ParamState {
    const st = this.state.get(p);
    if (st) return st;
    const made = this.allocate(p, this.requiredSlots(group), this.initialValue(group), 0);
    this.state.set(p, made);
    return made;
  }

  /** Replaces p's state tensors by `names`, packed into one new storage filled with `init`. */
  protected allocate(p: Tensor, names: readonly string[], init: number, step: number): ParamState {
    const st: ParamState = { step };
    if (!names.length) return st;
    const n = p.numel();
    const base = empty([names.length * n], 'float32', `${this.name}.state`);
    fill(base.dev, base, init, 0);
    const strides = contiguousStrides(p.shape);
    names.forEach((k, j) => (st[k] = keep(viewOf(base, p.shape, strides, j * n, `${this.name}.${k}`))));
    base.dispose();
    return st;
  }

  /** Adds slots to an existing state (SGD's momentum buffer appears on its first momentum step). */
  protected grow(p: Tensor, st: ParamState, names: readonly string[], init: number): void {
    const have = this.slotNames().filter((k) => st[k] instanceof Tensor);
    const all = this.slotNames().filter((k) => have.includes(k) || names.includes(k));
    const next = this.allocate(p, all, init, st.step);
    for (const k of have) {
      writeInto(next[k] as Tensor, st[k] as Tensor);
      (st[k] as Tensor).dispose();
    }
    Object.assign(st, next);
  }

  /** The buffer bound as state: the parameter's packed storage, or a scratch word when it has none. */
  protected stateView(st: ParamState): View {
    for (const v of Object.values(st)) if (v instanceof Tensor) return v;
    return this.scratch();
  }

  protected slotOffset(st: ParamState, name: string): number {
    const v = st[name];
    return v instanceof Tensor ? v.offset : 0;
  }

  private scratch(): Tensor {
    return (this.dummy ??= keep(empty([1], 'float32', `${this.name}.scratch`)));
  }

  private paramIndex(): Map<Tensor, number> {
    const index = new Map<Tensor, number>();
    for (const g of this.paramGroups) for (const p of g.params) index.set(p, index.size);
    return index;
  }

  private clearState(): void {
    for (const st of this.state.values()) for (const v of Object.values(st)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  private live(op: string): void {
    if (this.disposed) fail(`${this.name}.${op}`, 'this optimizer was disposed', 'create a new optimizer');
  }
}

/** Copies `v` (a tensor of the same element count, or numbers) into the state view `dst`. */
function writeInto(dst: Tensor, v: StateValue): void {
  const dev = device('loadStateDict');
  let src: Tensor;
  if (v instanceof Tensor) src = v.isContiguous() ? v : contiguousRaw(v, 'float32', 'loadStateDict');
  else src = tensor(Float32Array.from(v as ArrayLike<number>), { shape: dst.shape });
  copy(dev, { buffer: src.buffer, dtype: 'float32', shape: dst.shape, strides: dst.strides, offset: src.offset }, dst);
  if (src !== v) src.dispose();
}

/** Runs an in-place gradient edit; `aux` is any tensor whose buffer is not the gradient's. */
export function editGrad(g: Tensor, edit: GradEdit, aux: Tensor): void {
  gradEdit(g.dev, g, edit, aux.buffer);
}
