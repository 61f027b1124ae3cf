// The adaptive optimizers, with torch.optim's exact update rules: AdaGrad, RMSProp (centered and with
// momentum), Adam (with AMSGrad) and AdamW (decoupled weight decay). Step-dependent scalars (AdaGrad's
// decayed lr, Adam's bias corrections) are computed here in float64 from the step count the CPU keeps,
// and reach the kernel as uniforms.
import { OPTIM_FLAGS as F, optimStep, type View } from '../kernels/index.ts';
import type { Tensor } from '../tensor/index.ts';
import { ensure, isBool, nonNegative, Optimizer, type BaseOptions, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.ts';

export interface AdaGradOptions extends BaseOptions {
  lrDecay: number;
  initialAccumulatorValue: number;
  eps: number;
}

export class AdaGrad extends Optimizer<AdaGradOptions> {
  constructor(params: ParamsInput<AdaGradOptions>, opts: Partial<AdaGradOptions> = {}) {
    super('AdaGrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, opts);
  }

  protected validate(o: AdaGradOptions): void {
    for (const k of ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'] as const) nonNegative(this.name, k, o[k]);
    isBool(this.name, 'maximize', o.maximize);
  }

  protected slotNames(): readonly string[] {
    return ['sum'];
  }

  protected requiredSlots(): readonly string[] {
    return ['sum'];
  }

  protected override initialValue(group: ParamGroup<AdaGradOptions>): number {
    return group.initialAccumulatorValue;
  }

  protected update(p: Tensor, g: View, group: ParamGroup<AdaGradOptions>, st: ParamState): void {
    st.step++;
    const clr = group.lr / (1 + (st.step - 1) * group.lrDecay);
    optimStep(p.dev, 'adagrad', p, g, this.stateView(st), {
      flags: group.maximize ? F.maximize : 0,
      lr: clr,
      weightDecay: group.weightDecay,
      hyper: { eps: group.eps },
      slots: [this.slotOffset(st, 'sum')],
    });
  }
}

export interface RMSPropOptions extends BaseOptions {
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
}

export class RMSProp extends Optimizer<RMSPropOptions> {
  constructor(params: ParamsInput<RMSPropOptions>, opts: Partial<RMSPropOptions> = {}) {
    super('RMSProp', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, opts);
  }

  protected validate(o: RMSPropOptions): void {
    for (const k of ['lr', 'alpha', 'eps', 'weightDecay', 'momentum'] as const) nonNegative(this.name, k, o[k]);
    isBool(this.name, 'centered', o.centered);
    isBool(this.name, 'maximize', o.maximize);
  }

  protected slotNames(): readonly string[] {
    return ['squareAvg', 'momentumBuffer', 'gradAvg'];
  }

  protected requiredSlots(group: ParamGroup<RMSPropOptions>): readonly string[] {
    return ['squareAvg', ...(group.momentum > 0 ? ['momentumBuffer'] : []), ...(group.centered ? ['gradAvg'] : [])];
  }

  protected update(p: Tensor, g: View, group: ParamGroup<RMSPropOptions>, st: ParamState): void {
    st.step++;
    const flags = (group.maximize ? F.maximize : 0) | (group.centered ? F.centered : 0) | (group.momentum > 0 ? F.momentum : 0);
    optimStep(p.dev, 'rmsprop', p, g, this.stateView(st), {
      flags,
      lr: group.lr,
      weightDecay: group.weightDecay,
      hyper: { alpha: group.alpha, alpha_c: 1 - group.alpha, eps: group.eps, momentum: group.momentum },
      slots: ['squareAvg', 'momentumBuffer', 'gradAvg'].map((k) => this.slotOffset(st, k)),
    });
  }
}

export interface AdamOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  amsgrad: boolean;
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}, name = 'Adam', weightDecay = 0) {
    super(name, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false }, opts);
  }

  /** AdamW decays the parameter directly, p *= 1 - lr * weightDecay, instead of adding to the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  protected validate(o: AdamOptions): void {
    const op = this.name;
    for (const k of ['lr', 'eps', 'weightDecay'] as const) nonNegative(op, k, o[k]);
    const b = o.betas;
    ensure(Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'number' && x >= 0 && x < 1), op, `betas must be two numbers in [0, 1), got ${JSON.stringify(b)}`, 'e.g. betas: [0.9, 0.999]');
    isBool(op, 'amsgrad', o.amsgrad);
    isBool(op, 'maximize', o.maximize);
  }

  protected slotNames(): readonly string[] {
    return ['expAvg', 'expAvgSq', 'maxExpAvgSq'];
  }

  protected requiredSlots(group: ParamGroup<AdamOptions>): readonly string[] {
    return group.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'];
  }

  protected update(p: Tensor, g: View, group: ParamGroup<AdamOptions>, st: ParamState): void {
    st.step++;
    const [b1, b2] = group.betas;
    const bc1 = 1 - Math.pow(b1, st.step);
    const bc2 = 1 - Math.pow(b2, st.step);
    const flags = (group.maximize ? F.maximize : 0) | (group.amsgrad ? F.amsgrad : 0) | (this.decoupled ? F.decoupled : 0);
    optimStep(p.dev, 'adam', p, g, this.stateView(st), {
      flags,
      lr: group.lr,
      weightDecay: group.weightDecay,
      hyper: { beta1_c: 1 - b1, beta2: b2, beta2_c: 1 - b2, eps: group.eps, step_size: group.lr / bc1, bc2_sqrt: Math.sqrt(bc2) },
      slots: ['expAvg', 'expAvgSq', 'maxExpAvgSq'].map((k) => this.slotOffset(st, k)),
    });
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); weightDecay defaults to 1e-2 as in torch. */
export class AdamW extends Adam {
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, opts, 'AdamW', 1e-2);
  }

  protected override get decoupled(): boolean {
    return true;
  }
}
