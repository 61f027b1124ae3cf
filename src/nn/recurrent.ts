// Recurrent layers: RNN, LSTM and GRU as torch.nn's, with numLayers, batchFirst, bidirectional, bias,
// dropout between layers and optional initial states. Each layer-direction is one autograd op
// (recurrence, src/autograd/ops/recurrent.ts), so forward and backpropagation through time run as a
// handful of GPU dispatches per timestep; everything else here is views and concatenation. Parameter
// names, shapes and gate order are PyTorch's, so state dicts move between the two unchanged.
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { rand, tidy, uniform, zeros, type Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { GATES } from '../kernels/index.ts';
import { Module } from './module.ts';

export interface RNNBaseOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Adds bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Input and output as [N, L, features] instead of [L, N, features] (default false); states stay [layers, N, H]. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Runs each layer both ways and concatenates the two outputs (default false). */
  bidirectional?: boolean;
}

export interface RNNOptions extends RNNBaseOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}
export type LSTMOptions = RNNBaseOptions;
export type GRUOptions = RNNBaseOptions;

const BASE_KEYS = { numLayers: true, bias: true, batchFirst: true, dropout: true, bidirectional: true } as const;
const RNN_OPTIONS = optionKeys<RNNOptions>({ ...BASE_KEYS, nonlinearity: true });
const BASE_OPTIONS = optionKeys<RNNBaseOptions>(BASE_KEYS);

abstract class RecurrentBase<S> extends Module<[Tensor, (S | null)?], [Tensor, S]> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(
    private readonly kind: string,
    private readonly cell: A.CellKind,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: RNNBaseOptions,
  ) {
    super();
    const name = kind;
    for (const [what, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const)
      if (!Number.isInteger(v) || v < 1) fail(name, `${what} must be a positive integer, got ${v}`);
    this.numLayers = opts.numLayers ?? 1;
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) fail(name, `numLayers must be a positive integer, got ${opts.numLayers}`);
    for (const k of ['bias', 'batchFirst', 'bidirectional'] as const)
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') fail(name, `${k} must be true or false, got ${String(opts[k])}`);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.bidirectional = opts.bidirectional ?? false;
    this.dropout = opts.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1)) fail(name, `dropout must be a probability in [0, 1), got ${String(opts.dropout)}`);
    const G = GATES[cell];
    const bound = 1 / Math.sqrt(hiddenSize);
    const D = this.bidirectional ? 2 : 1;
    // PyTorch's order: per layer, per direction, weight_ih, weight_hh, bias_ih, bias_hh.
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        const inSize = l === 0 ? inputSize : hiddenSize * D;
        this.registerParameter(`weight_ih${sfx}`, uniform([G * hiddenSize, inSize], -bound, bound));
        this.registerParameter(`weight_hh${sfx}`, uniform([G * hiddenSize, hiddenSize], -bound, bound));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, uniform([G * hiddenSize], -bound, bound));
          this.registerParameter(`bias_hh${sfx}`, uniform([G * hiddenSize], -bound, bound));
        }
      }
  }

  private param(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name]!;
  }

  /** The initial states as [h0, c0 | null] of shape [layers * directions, N, H], checked. */
  protected abstract states(hx: S | null | undefined): [Tensor | null, Tensor | null];
  protected abstract pack(h: Tensor, c: Tensor | null): S;

  private checkState(what: string, t: Tensor | null, want: number[]): void {
    if (t === null) return;
    if (!t || typeof (t as Tensor).assertLive !== 'function') fail(this.kind, `${what} must be a Tensor, got ${typeof t}`);
    t.assertLive(this.kind);
    if (t.shape.length !== want.length || t.shape.some((s, i) => s !== want[i]))
      fail(this.kind, `expected ${what} of shape ${shapeStr(want)} (layers * directions, batch, hidden), got ${shapeStr(t.shape)}`, `pass ${what} as ${shapeStr(want)}, or omit it for zeros`);
    if (t.dtype !== 'float32') fail(this.kind, `${what} must be float32, got ${t.dtype}`, 'convert it with .float()');
  }

  forward(x: Tensor, hx?: S | null): [Tensor, S] {
    const name = this.kind;
    x.assertLive(name);
    if (x.dtype !== 'float32') fail(name, `the input must be float32, got ${x.dtype}`, 'convert it with .float()');
    const I = this.inputSize;
    const H = this.hiddenSize;
    const layout = this.batchFirst ? '[N, L, features]' : '[L, N, features]';
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== I)
      fail(name, `expected input ${layout} (or unbatched [L, features]) with ${I} features, got shape ${shapeStr(x.shape)}`, `give the input a last dimension of ${I}`);
    const batched = x.ndim === 3;
    const L = batched ? x.shape[this.batchFirst ? 1 : 0]! : x.shape[0]!;
    const N = batched ? x.shape[this.batchFirst ? 0 : 1]! : 1;
    if (L < 1 || N < 1) fail(name, `the input ${shapeStr(x.shape)} has no timesteps or no batch rows`, 'pass at least one step and one sequence');
    const D = this.bidirectional ? 2 : 1;
    const LD = this.numLayers * D;
    const [h0, c0] = this.states(hx);
    const want = batched ? [LD, N, H] : [LD, H];
    this.checkState('h0', h0, want);
    this.checkState('c0', c0, want);
    const lstm = this.cell === 'lstm';
    return tidy(() => {
      const seq0 = batched ? (this.batchFirst ? A.transpose(x, 0, 1) : x) : A.unsqueeze(x, 1);
      const zero = h0 && (!lstm || c0) ? null : zeros([N, H]);
      const stateAt = (t: Tensor | null, k: number) => (t ? A.reshape(A.narrow(t, 0, k, 1), [N, H]) : zero!);
      let input = seq0;
      const hs: Tensor[] = [];
      const cs: Tensor[] = [];
      for (let l = 0; l < this.numLayers; l++) {
        const outs: Tensor[] = [];
        for (let d = 0; d < D; d++) {
          const sfx = `_l${l}${d ? '_reverse' : ''}`;
          const k = l * D + d;
          const ws = A.recurrence(
            input,
            stateAt(h0, k),
            lstm ? stateAt(c0, k) : null,
            this.param(`weight_ih${sfx}`),
            this.param(`weight_hh${sfx}`),
            this.bias ? this.param(`bias_ih${sfx}`) : null,
            this.bias ? this.param(`bias_hh${sfx}`) : null,
            { cell: this.cell, reverse: d === 1 },
          );
          const lay = A.recurrenceLayout(L, H, d === 1);
          const hv = A.narrow(ws, 2, 0, H);
          outs.push(A.narrow(hv, 0, lay.first, L));
          hs.push(A.narrow(hv, 0, lay.last, 1));
          if (lstm) cs.push(A.narrow(A.narrow(ws, 2, H, H), 0, lay.last, 1));
        }
        let out = D === 2 ? A.concat(outs, 2) : outs[0]!;
        if (this.dropout > 0 && this.training && l < this.numLayers - 1) {
          const keepMask = A.lt(rand(out.shape), 1 - this.dropout).float();
          out = A.div(A.mul(out, keepMask), 1 - this.dropout);
        }
        input = out;
      }
      let output = input;
      if (!batched) output = A.squeeze(output, 1);
      else if (this.batchFirst) output = A.transpose(output, 0, 1);
      const stackStates = (parts: Tensor[]) => {
        const all = parts.length === 1 ? A.reshape(parts[0]!, parts[0]!.shape) : A.concat(parts, 0);
        return batched ? all : A.reshape(all, [LD, H]);
      };
      const hN = stackStates(hs);
      const cN = lstm ? stackStates(cs) : null;
      return [output, this.pack(hN, cN)] as [Tensor, S];
    });
  }

  override extraRepr(): string {
    const extra = [
      this.numLayers !== 1 ? `numLayers=${this.numLayers}` : '',
      !this.bias ? 'bias=false' : '',
      this.batchFirst ? 'batchFirst=true' : '',
      this.dropout ? `dropout=${this.dropout}` : '',
      this.bidirectional ? 'bidirectional=true' : '',
    ].filter(Boolean);
    return [`${this.inputSize}`, `${this.hiddenSize}`, ...extra].join(', ');
  }
}

function checkedOpts<T extends object>(name: string, opts: T, keys: readonly string[]): T {
  return checkOptions(name, opts, keys);
}

/** Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu). forward(x, h0?) -> [output, hN]. */
export class RNN extends RecurrentBase<Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    const o = checkedOpts('RNN', opts, RNN_OPTIONS);
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') fail('RNN', `nonlinearity must be 'tanh' or 'relu', got '${String(nl)}'`);
    super('RNN', nl === 'tanh' ? 'rnnTanh' : 'rnnRelu', inputSize, hiddenSize, o);
    this.nonlinearity = nl;
  }
  protected states(hx: Tensor | null | undefined): [Tensor | null, Tensor | null] {
    return [hx ?? null, null];
  }
  protected pack(h: Tensor): Tensor {
    return h;
  }
}

/** LSTM with PyTorch's gates i, f, g, o. forward(x, [h0, c0]?) -> [output, [hN, cN]]. */
export class LSTM extends RecurrentBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super('LSTM', 'lstm', inputSize, hiddenSize, checkedOpts('LSTM', opts, BASE_OPTIONS));
  }
  protected states(hx: [Tensor, Tensor] | null | undefined): [Tensor | null, Tensor | null] {
    if (hx === null || hx === undefined) return [null, null];
    if (!Array.isArray(hx) || hx.length !== 2) fail('LSTM', 'the initial state must be a pair [h0, c0]', 'pass [h0, c0], each [layers * directions, N, H], or omit it');
    return [hx[0], hx[1]];
  }
  protected pack(h: Tensor, c: Tensor | null): [Tensor, Tensor] {
    return [h, c!];
  }
}

/** GRU with PyTorch's gates r, z, n: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) n + z h. */
export class GRU extends RecurrentBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: GRUOptions = {}) {
    super('GRU', 'gru', inputSize, hiddenSize, checkedOpts('GRU', opts, BASE_OPTIONS));
  }
  protected states(hx: Tensor | null | undefined): [Tensor | null, Tensor | null] {
    return [hx ?? null, null];
  }
  protected pack(h: Tensor): Tensor {
    return h;
  }
}
