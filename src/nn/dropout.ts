// Dropout layers: the mask is drawn on the GPU inside the dropout kernel (see autograd/ops/dropout.ts),
// from the global generator (wg.manualSeed). In eval mode they return their input.
import { fail } from '../device/index.ts';
import type { Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { Module } from './module.ts';

function probability(layer: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(layer, `dropout probability has to be between 0 and 1, but got ${String(p)}`, 'pass p in [0, 1]');
  return p;
}

/** Zeroes elements with probability p in training, scaling the rest by 1 / (1 - p) (torch.nn.Dropout). */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout', p);
  }
  forward(x: Tensor): Tensor {
    return A.dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole channels of [N, C, H, W] inputs with probability p in training (torch.nn.Dropout2d). */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout2d', p);
  }
  forward(x: Tensor): Tensor {
    return A.dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
