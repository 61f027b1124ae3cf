// KL divergence (torch's log-input form and the plain form on distributions), entropy, mutual
// information, and the L1 / L2 penalties over parameter lists. 0 · log 0 is taken as 0 throughout,
// with a gradient free of NaN (see xlogy).
import { checkOptions, fail, shapeStr } from '../device/index.ts';
import { full, sameShape, tidy, Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { xlogy, type LossOptions } from './losses.ts';
import { DISTRIBUTION_KEYS, KL_DIV_KEYS, MUTUAL_INFORMATION_KEYS, type DistributionOptions, type KLDivOptions, type MutualInformationOptions } from './loss-options.ts';

export type { KLDivOptions, DistributionOptions, MutualInformationOptions } from './loss-options.ts';

/** torch.nn.functional.kl_div: input holds log q, target p (or log p); pointwise p (log p - log q). */
export function klDiv(input: Tensor, target: Tensor, opts: KLDivOptions = {}): Tensor {
  checkOptions('klDiv', opts, KL_DIV_KEYS);
  const r = opts.reduction ?? 'mean';
  if (!['mean', 'batchmean', 'sum', 'none'].includes(r)) fail('klDiv', `unknown reduction '${r}'`, "use 'mean', 'batchmean', 'sum' or 'none'");
  input.assertLive('klDiv');
  target.assertLive('klDiv');
  if (!sameShape(input.shape, target.shape))
    fail('klDiv', `input ${shapeStr(input.shape)} and target ${shapeStr(target.shape)} have different shapes`, `pass a target of shape ${shapeStr(input.shape)}`);
  return tidy(() => {
    const loss = opts.logTarget ? A.mul(A.exp(target), A.sub(target, input)) : A.sub(xlogy(target, target), A.mul(target, input));
    if (r === 'none') return loss;
    if (r === 'sum') return A.sum(loss);
    if (r === 'mean') return A.mean(loss);
    return A.div(A.sum(loss), input.ndim ? input.shape[0]! : 1);
  });
}

function logBase(op: string, base: number | undefined): number {
  if (base === undefined) return 1;
  if (!(base > 0) || base === 1 || !Number.isFinite(base)) fail(op, `base must be a positive number other than 1, got ${base}`);
  return Math.log(base);
}

/** KL(p || q) = Σ p log(p / q) over `dim` for distributions p and q (broadcast against each other). */
export function klDivergence(p: Tensor, q: Tensor, opts: DistributionOptions = {}): Tensor {
  checkOptions('klDivergence', opts, DISTRIBUTION_KEYS);
  const lb = logBase('klDivergence', opts.base);
  p.assertLive('klDivergence');
  q.assertLive('klDivergence');
  if (p.ndim === 0 && q.ndim === 0) fail('klDivergence', 'p and q are 0-d tensors', 'pass distributions of shape [K] (or [..., K])');
  return tidy(() => {
    const kl = A.sum(A.sub(xlogy(p, p), xlogy(p, q)), opts.dim ?? -1, opts.keepdim ?? false);
    return lb === 1 ? kl : A.div(kl, lb);
  });
}

/** H(p) = -Σ p log p over `dim`. */
export function entropy(p: Tensor, opts: DistributionOptions = {}): Tensor {
  checkOptions('entropy', opts, DISTRIBUTION_KEYS);
  const lb = logBase('entropy', opts.base);
  p.assertLive('entropy');
  if (p.ndim === 0) fail('entropy', 'p is a 0-d tensor', 'pass a distribution of shape [K] (or [..., K])');
  return tidy(() => A.div(A.sum(xlogy(p, p), opts.dim ?? -1, opts.keepdim ?? false), -lb));
}

/**
 * I(X; Y) from a joint distribution [X, Y] (or a batch [..., X, Y]), normalised to sum 1 first, so
 * counts work too: Σ p(x, y) log(p(x, y) / (p(x) p(y))).
 */
export function mutualInformation(joint: Tensor, opts: MutualInformationOptions = {}): Tensor {
  checkOptions('mutualInformation', opts, MUTUAL_INFORMATION_KEYS);
  const lb = logBase('mutualInformation', opts.base);
  joint.assertLive('mutualInformation');
  if (joint.ndim < 2) fail('mutualInformation', `the joint distribution must be [X, Y], got ${shapeStr(joint.shape)}`, 'pass a 2-D table p(x, y)');
  return tidy(() => {
    const axes = [joint.ndim - 2, joint.ndim - 1];
    const pxy = A.div(joint, A.sum(joint, axes, true));
    const px = A.sum(pxy, -1, true);
    const py = A.sum(pxy, -2, true);
    const mi = A.sum(A.sub(xlogy(pxy, pxy), xlogy(pxy, A.mul(px, py))), axes);
    return lb === 1 ? mi : A.div(mi, lb);
  });
}

function penalty(op: string, params: Iterable<Tensor>, term: (p: Tensor) => Tensor): Tensor {
  const list = [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) fail(op, `element ${i} is not a Tensor`, 'pass model.parameters() or an array of tensors');
    p.assertLive(op);
  });
  return tidy(() => list.map((p) => A.sum(term(p))).reduce((a, b) => A.add(a, b), full([], 0)));
}

/** Σ |w| over every parameter: add λ · l1Penalty(model.parameters()) to a loss. */
export const l1Penalty = (params: Iterable<Tensor>): Tensor => penalty('l1Penalty', params, A.abs);

/** Σ w² over every parameter (no ½). */
export const l2Penalty = (params: Iterable<Tensor>): Tensor => penalty('l2Penalty', params, A.square);

export type { LossOptions };
