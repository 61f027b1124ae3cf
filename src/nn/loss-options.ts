// The options of every loss and information measure, each with its key list for the run-time check
// (optionKeys makes the compiler hold list and type together). Kept apart from losses.ts so the loss
// modules can check their options at construction without the lists showing up in nn.functional.
import { optionKeys } from '../device/index.ts';
import type { Tensor } from '../tensor/index.ts';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

export interface SmoothL1Options extends LossOptions {
  /** Width of the quadratic zone (default 1); 0 gives the L1 loss. */
  beta?: number;
}

export interface PairwiseDistanceOptions {
  /** The norm's order (default 2); Infinity for the max norm. */
  p?: number;
  /** Added to the difference, as torch, so the 2-norm's gradient is finite at 0 (default 1e-6). */
  eps?: number;
  keepdim?: boolean;
}

export interface BCEOptions extends LossOptions {
  /** Per-element weight, broadcast to the input. */
  weight?: Tensor;
}

export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive term per class (broadcast over the last axis), for imbalanced data. */
  posWeight?: Tensor;
}

export interface NLLOptions extends LossOptions {
  /** Per-class weight [C]; the mean then divides by the summed weights of the targets. */
  weight?: Tensor;
  /** Targets equal to this contribute nothing, and the mean is over the others (default -100). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NLLOptions {
  /** Mixes the target with the uniform distribution: (1 - ε) target + ε / C (default 0). */
  labelSmoothing?: number;
}

export interface MultiMarginOptions extends LossOptions {
  /** 1 (hinge, default) or 2 (squared hinge). */
  p?: 1 | 2;
  /** Δ (default 1). */
  margin?: number;
  /** Per-class weight [C], applied by the target's class. */
  weight?: Tensor;
  /**
   * Divide each sample's sum by C as torch does (default true). false gives the textbook multiclass
   * SVM loss Σ_{j≠y} max(0, Δ - s_y + s_j).
   */
  divideByClasses?: boolean;
}

export interface KLDivOptions {
  /** 'mean' (default, over all elements, as torch), 'batchmean' (sum / N, the true KL), 'sum', 'none'. */
  reduction?: 'mean' | 'batchmean' | 'sum' | 'none';
  /** The target is given as log-probabilities too. */
  logTarget?: boolean;
}

export interface DistributionOptions {
  /** The axis holding each distribution (default -1, the last). */
  dim?: number;
  keepdim?: boolean;
  /** Logarithm base: e (default), 2 for bits. */
  base?: number;
}

export interface MutualInformationOptions {
  /** Logarithm base: e (default), 2 for bits. */
  base?: number;
}

export const LOSS_KEYS = optionKeys<LossOptions>({ reduction: true });
export const HUBER_KEYS = optionKeys<HuberOptions>({ reduction: true, delta: true });
export const SMOOTH_L1_KEYS = optionKeys<SmoothL1Options>({ reduction: true, beta: true });
export const PAIRWISE_KEYS = optionKeys<PairwiseDistanceOptions>({ p: true, eps: true, keepdim: true });
export const BCE_KEYS = optionKeys<BCEOptions>({ reduction: true, weight: true });
export const BCE_LOGITS_KEYS = optionKeys<BCEWithLogitsOptions>({ reduction: true, weight: true, posWeight: true });
export const NLL_KEYS = optionKeys<NLLOptions>({ reduction: true, weight: true, ignoreIndex: true });
export const CROSS_ENTROPY_KEYS = optionKeys<CrossEntropyOptions>({ reduction: true, weight: true, ignoreIndex: true, labelSmoothing: true });
export const MULTI_MARGIN_KEYS = optionKeys<MultiMarginOptions>({ reduction: true, p: true, margin: true, weight: true, divideByClasses: true });
export const KL_DIV_KEYS = optionKeys<KLDivOptions>({ reduction: true, logTarget: true });
export const DISTRIBUTION_KEYS = optionKeys<DistributionOptions>({ dim: true, keepdim: true, base: true });
export const MUTUAL_INFORMATION_KEYS = optionKeys<MutualInformationOptions>({ base: true });
