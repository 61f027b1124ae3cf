// SGD with momentum, dampening, Nesterov and weight decay, exactly as torch.optim.SGD (the first momentum
// step copies the gradient into the buffer), and NoisySGD, which adds annealed Gaussian noise to every
// gradient (Neelakantan et al., 2015) to help escape saddle points. The noise is drawn inside the update
// kernel from the global Philox stream, so it costs no memory and manualSeed reproduces it.
import { OPTIM_FLAGS as F, optimStep, type View } from '../kernels/index.ts';
import { reserveRandom, Tensor } from '../tensor/index.ts';
import { ensure, isBool, nonNegative, Optimizer, type BaseOptions, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.ts';

export interface SGDOptions extends BaseOptions {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

const SGD_DEFAULTS: SGDOptions = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

export class SGD<O extends SGDOptions = SGDOptions> extends Optimizer<O> {
  constructor(params: ParamsInput<O>, opts: Partial<O> = {}, defaults: O = SGD_DEFAULTS as O, name = 'SGD') {
    super(name, params, defaults, opts);
  }

  protected validate(o: O): void {
    const op = this.name;
    nonNegative(op, 'lr', o.lr);
    nonNegative(op, 'momentum', o.momentum);
    nonNegative(op, 'weightDecay', o.weightDecay);
    ensure(typeof o.dampening === 'number' && Number.isFinite(o.dampening), op, `dampening must be a finite number, got ${String(o.dampening)}`);
    isBool(op, 'nesterov', o.nesterov);
    isBool(op, 'maximize', o.maximize);
    ensure(!o.nesterov || (o.momentum > 0 && o.dampening === 0), op, `nesterov needs momentum > 0 and dampening = 0, got momentum ${o.momentum} and dampening ${o.dampening}`, 'set a momentum and leave dampening at 0, or turn nesterov off');
  }

  protected slotNames(): readonly string[] {
    return ['momentumBuffer'];
  }

  protected requiredSlots(): readonly string[] {
    return [];
  }

  /** The standard deviation of the noise added to this update's gradient, or 0 for none. */
  protected noiseStd(_group: ParamGroup<O>, _st: ParamState): number {
    return 0;
  }

  protected update(p: Tensor, g: View, group: ParamGroup<O>, st: ParamState): void {
    let flags = group.maximize ? F.maximize : 0;
    if (group.momentum !== 0) {
      flags |= F.momentum | (group.nesterov ? F.nesterov : 0);
      if (!(st.momentumBuffer instanceof Tensor)) {
        this.grow(p, st, ['momentumBuffer'], 0);
        flags |= F.first;
      }
    }
    const std = this.noiseStd(group, st);
    const rng = std > 0 ? reserveRandom(p.numel()) : null;
    if (rng) flags |= F.noise;
    optimStep(p.dev, 'sgd', p, g, this.stateView(st), {
      flags,
      lr: group.lr,
      weightDecay: group.weightDecay,
      hyper: { momentum: group.momentum, dampening_c: 1 - group.dampening, noise_std: std },
      slots: [this.slotOffset(st, 'momentumBuffer')],
      seed: rng?.seed,
      counter: rng?.counter,
    });
    st.step++;
  }
}

export interface NoisySGDOptions extends SGDOptions {
  /** The noise variance at the first step, η in σ_t² = η / (1 + t)^γ. */
  eta: number;
  /** The annealing exponent γ. */
  gamma: number;
}

const NOISY_DEFAULTS: NoisySGDOptions = { ...SGD_DEFAULTS, eta: 0.01, gamma: 0.55 };

/**
 * SGD on g + N(0, σ_t²) with σ_t² = η / (1 + t)^γ, where t counts this parameter's earlier updates (0
 * at the first step). Noise is added before weight decay and momentum, as part of the gradient.
 */
export class NoisySGD extends SGD<NoisySGDOptions> {
  constructor(params: ParamsInput<NoisySGDOptions>, opts: Partial<NoisySGDOptions> = {}) {
    super(params, opts, NOISY_DEFAULTS, 'NoisySGD');
  }

  protected override validate(o: NoisySGDOptions): void {
    super.validate(o);
    nonNegative(this.name, 'eta', o.eta);
    nonNegative(this.name, 'gamma', o.gamma);
  }

  protected override noiseStd(group: ParamGroup<NoisySGDOptions>, st: ParamState): number {
    return Math.sqrt(group.eta / Math.pow(1 + st.step, group.gamma));
  }
}
