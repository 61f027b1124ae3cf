// Loss modules: each holds its options and calls the functional form, so `new nn.CrossEntropyLoss()`
// can sit in a model definition as in torch. Losses have no parameters; a weight tensor passed in the
// options stays owned by the caller. Options are checked at construction, so a misspelt one fails there.
import { checkOptions } from '../device/index.ts';
import type { Tensor } from '../tensor/index.ts';
import { Module } from './module.ts';
import * as L from './losses.ts';
import * as I from './information.ts';
import * as K from './loss-options.ts';

export class MSELoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.LossOptions = {}) {
    super();
    checkOptions('MSELoss', opts, K.LOSS_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, this.opts);
  }
}

export class L1Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.LossOptions = {}) {
    super();
    checkOptions('L1Loss', opts, K.LOSS_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, this.opts);
  }
}

export class HuberLoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.HuberOptions = {}) {
    super();
    checkOptions('HuberLoss', opts, K.HUBER_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, this.opts);
  }
}

export class SmoothL1Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.SmoothL1Options = {}) {
    super();
    checkOptions('SmoothL1Loss', opts, K.SMOOTH_L1_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, this.opts);
  }
}

export class BCELoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.BCEOptions = {}) {
    super();
    checkOptions('BCELoss', opts, K.BCE_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, this.opts);
  }
}

export class BCEWithLogitsLoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.BCEWithLogitsOptions = {}) {
    super();
    checkOptions('BCEWithLogitsLoss', opts, K.BCE_LOGITS_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, this.opts);
  }
}

export class CrossEntropyLoss extends Module<[Tensor, L.ClassTarget]> {
  constructor(readonly opts: L.CrossEntropyOptions = {}) {
    super();
    checkOptions('CrossEntropyLoss', opts, K.CROSS_ENTROPY_KEYS);
  }
  forward(input: Tensor, target: L.ClassTarget): Tensor {
    return L.crossEntropy(input, target, this.opts);
  }
}

export class NLLLoss extends Module<[Tensor, L.ClassTarget]> {
  constructor(readonly opts: L.NLLOptions = {}) {
    super();
    checkOptions('NLLLoss', opts, K.NLL_KEYS);
  }
  forward(input: Tensor, target: L.ClassTarget): Tensor {
    return L.nllLoss(input, target, this.opts);
  }
}

export class MultiMarginLoss extends Module<[Tensor, L.ClassTarget]> {
  constructor(readonly opts: L.MultiMarginOptions = {}) {
    super();
    checkOptions('MultiMarginLoss', opts, K.MULTI_MARGIN_KEYS);
  }
  forward(input: Tensor, target: L.ClassTarget): Tensor {
    return L.multiMarginLoss(input, target, this.opts);
  }
}

export class KLDivLoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: I.KLDivOptions = {}) {
    super();
    checkOptions('KLDivLoss', opts, K.KL_DIV_KEYS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return I.klDiv(input, target, this.opts);
  }
}
