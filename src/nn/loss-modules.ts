// Loss modules: each holds its options and calls the functional form, so `new nn.CrossEntropyLoss()`
// can sit in a model definition as in torch. Losses have no parameters; a weight tensor passed in the
// options stays owned by the caller.
import type { Tensor } from '../tensor/index.ts';
import { Module } from './module.ts';
import * as L from './losses.ts';
import * as I from './information.ts';

export class MSELoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.LossOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, this.opts);
  }
}

export class L1Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.LossOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, this.opts);
  }
}

export class HuberLoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.HuberOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, this.opts);
  }
}

export class SmoothL1Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.SmoothL1Options = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, this.opts);
  }
}

export class BCELoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.BCEOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, this.opts);
  }
}

export class BCEWithLogitsLoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: L.BCEWithLogitsOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, this.opts);
  }
}

export class CrossEntropyLoss extends Module<[Tensor, L.ClassTarget]> {
  constructor(readonly opts: L.CrossEntropyOptions = {}) {
    super();
  }
  forward(input: Tensor, target: L.ClassTarget): Tensor {
    return L.crossEntropy(input, target, this.opts);
  }
}

export class NLLLoss extends Module<[Tensor, L.ClassTarget]> {
  constructor(readonly opts: L.NLLOptions = {}) {
    super();
  }
  forward(input: Tensor, target: L.ClassTarget): Tensor {
    return L.nllLoss(input, target, this.opts);
  }
}

export class MultiMarginLoss extends Module<[Tensor, L.ClassTarget]> {
  constructor(readonly opts: L.MultiMarginOptions = {}) {
    super();
  }
  forward(input: Tensor, target: L.ClassTarget): Tensor {
    return L.multiMarginLoss(input, target, this.opts);
  }
}

export class KLDivLoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: I.KLDivOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return I.klDiv(input, target, this.opts);
  }
}
