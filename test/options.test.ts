// Options objects are checked at run time: an unknown key throws naming the op, the key, the closest
// valid name and the valid list, before any GPU work (liveBuffers, dispatches and uploads unchanged);
// a number or array where an options object belongs throws too. One representative per family, plus
// the creation values (dtype, fill value) that used to give broken tensors.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { optionKeys } from '../src/device/index.ts';

const { nn, optim } = wg;

/** Runs `fn`, expects it to throw matching `msg`, and checks that it allocated and dispatched nothing. */
function rejects(fn: () => unknown, msg: RegExp): void {
  wg.realizeAll();
  const before = wg.stats();
  expect(fn).toThrow(msg);
  wg.realizeAll();
  const after = wg.stats();
  expect([after.liveBuffers, after.dispatches, after.uploads]).toEqual([before.liveBuffers, before.dispatches, before.uploads]);
}

const bad = <T>(o: Record<string, unknown>) => o as T;

describe('checkOptions', () => {
  it('optimizers: a snake_case key suggests its camelCase name and lists the valid ones', () => {
    const p = wg.zeros([3], { requiresGrad: true });
    rejects(() => new optim.Adam([p], bad({ weight_decay: 0.1 })), /^Adam: unknown option 'weight_decay'\. Fix: did you mean 'weightDecay'\? valid options: lr, betas, eps, weightDecay, amsgrad, maximize$/);
    rejects(() => new optim.AdamW([p], bad({ beta: [0.9, 0.99] })), /AdamW: unknown option 'beta'.*did you mean 'betas'/);
    rejects(() => new optim.SGD([p], bad({ lr: 0.1, momentom: 0.9 })), /SGD: unknown option 'momentom'.*did you mean 'momentum'/);
    rejects(() => new optim.NoisySGD([p], bad({ etta: 0.1 })), /NoisySGD: unknown option 'etta'.*did you mean 'eta'/);
    rejects(() => new optim.RMSProp([p], bad({ Centered: true })), /RMSProp: .*did you mean 'centered'/);
    rejects(() => new optim.AdaGrad([p], bad({ lr_decay: 0.1 })), /AdaGrad: .*did you mean 'lrDecay'/);
    // A name close to nothing gets the list only.
    rejects(() => new optim.Adam([p], bad({ foo: 1 })), /^Adam: unknown option 'foo'\. Fix: valid options: lr, /);
    rejects(() => new optim.Adam([p], bad({ foo: 1, weight_decay: 0 })), /unknown options 'foo', 'weight_decay'.*did you mean 'weightDecay' for 'weight_decay'\?/);
    // Not an options object at all.
    rejects(() => new optim.Adam([p], 0.01 as never), /^Adam: expected an options object, got number 0\.01\. Fix: pass \{lr\?, betas\?/);
    rejects(() => new optim.SGD([p], [0.1] as never), /SGD: expected an options object, got an array \[0\.1\]/);
    rejects(() => new optim.SGD([p], null as never), /SGD: expected an options object, got null/);
    p.dispose();
  });

  it('parameter groups and zeroGrad', () => {
    const p = wg.zeros([3], { requiresGrad: true });
    const q = wg.zeros([2], { requiresGrad: true });
    rejects(() => new optim.SGD([{ params: [p], lrr: 0.1 } as never]), /SGD parameter group 0: unknown option 'lrr'.*did you mean 'lr'\? valid options: params, lr, /);
    const opt = new optim.SGD([p], { lr: 0.1 });
    rejects(() => opt.addParamGroup(bad({ params: [q], nesterov: false, dampning: 0 })), /SGD parameter group 1: unknown option 'dampning'.*'dampening'/);
    expect(opt.paramGroups).toHaveLength(1);
    rejects(() => opt.zeroGrad(bad({ set_to_none: false })), /SGD\.zeroGrad: unknown option 'set_to_none'.*did you mean 'setToNone'/);
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('schedulers, and the optimizer is left untouched', () => {
    const p = wg.zeros([3], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    rejects(() => new optim.StepLR(opt, bad({ step_size: 2 })), /StepLR: unknown option 'step_size'.*did you mean 'stepSize'\? valid options: stepSize, gamma, lastEpoch/);
    rejects(() => new optim.CosineAnnealingLR(opt, bad({ T_max: 10 })), /CosineAnnealingLR: .*did you mean 'tMax'/);
    rejects(() => new optim.LinearWarmup(opt, bad({ warmup: 3 })), /LinearWarmup: unknown option 'warmup'/);
    rejects(() => new optim.ExponentialLR(opt, undefined as never), /ExponentialLR: needs an options object. Fix: pass \{gamma, lastEpoch\}/);
    rejects(() => new optim.ReduceLROnPlateau(opt, bad({ patiense: 3 })), /ReduceLROnPlateau: unknown option 'patiense'.*did you mean 'patience'/);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect(opt.paramGroups[0]!.initialLr).toBeUndefined();
    opt.dispose();
    p.dispose();
  });

  it('nn modules, losses and module methods', () => {
    rejects(() => new nn.Linear(2, 3, bad({ bais: false })), /Linear: unknown option 'bais'.*did you mean 'bias'\? valid options: bias$/);
    rejects(() => new nn.Linear(2, 3, bad({ bias: 0 })), /Linear: bias must be true or false/);
    rejects(() => new nn.CrossEntropyLoss(bad({ label_smoothing: 0.1 })), /CrossEntropyLoss: unknown option 'label_smoothing'.*did you mean 'labelSmoothing'/);
    rejects(() => new nn.MSELoss('sum' as never), /MSELoss: expected an options object, got the string 'sum'/);
    rejects(() => new nn.KLDivLoss(bad({ log_target: true })), /KLDivLoss: .*did you mean 'logTarget'/);
    const a = wg.zeros([2, 3]);
    const b = wg.zeros([2, 3]);
    rejects(() => nn.F.mseLoss(a, b, bad({ reduce: 'sum' })), /mseLoss: unknown option 'reduce'.*did you mean 'reduction'/);
    rejects(() => nn.F.nllLoss(a, [0, 1], bad({ ignore_index: -1 })), /nllLoss: .*did you mean 'ignoreIndex'/);
    // A tensor where the options belong (a weight passed positionally) is named as such.
    rejects(() => nn.F.crossEntropy(a, [0, 1], b as never), /^crossEntropy: expected an options object, got a Tensor\. Fix: pass \{reduction\?, weight\?, ignoreIndex\?, labelSmoothing\?\}/);
    rejects(() => nn.F.mseLoss(a, b, Object.create(null, { reduction: { value: 'sum', enumerable: true }, reduce: { value: 1, enumerable: true } })), /mseLoss: unknown option 'reduce'/);
    rejects(() => nn.F.entropy(a, bad({ axis: 0 })), /entropy: unknown option 'axis'\. Fix: valid options: dim, keepdim, base/);
    const m = new nn.Linear(3, 2);
    rejects(() => m.loadStateDict(m.stateDict(), bad({ strickt: false })), /loadStateDict: unknown option 'strickt'.*did you mean 'strict'/);
    rejects(() => m.stateDict(bad({ copy: true })), /stateDict: unknown option 'copy'\. Fix: valid options: clone/);
    m.dispose();
    a.dispose();
    b.dispose();
  });

  it('nn.init', () => {
    const w = wg.zeros([4, 3]);
    rejects(() => nn.init.kaimingUniform(w, bad({ nonLinearity: 'relu' })), /init\.kaimingUniform: unknown option 'nonLinearity'.*did you mean 'nonlinearity'/);
    rejects(() => nn.init.kaimingNormal(w, bad({ fan_mode: 'fan_out' })), /init\.kaimingNormal: unknown option 'fan_mode'/);
    w.dispose();
  });

  it('tensor creation', () => {
    rejects(() => wg.zeros([2], bad({ dtpye: 'int32' })), /^full: unknown option 'dtpye'\. Fix: did you mean 'dtype'\? valid options: dtype, requiresGrad$/);
    rejects(() => wg.tensor([1, 2], bad({ requires_grad: true })), /tensor: unknown option 'requires_grad'.*did you mean 'requiresGrad'\? valid options: dtype, requiresGrad, shape/);
    rejects(() => wg.randn([2], bad({ requiresgrad: true })), /randn: .*did you mean 'requiresGrad'/);
    rejects(() => wg.arange(5, undefined, 1, bad({ dtyp: 'float32' })), /arange: .*'dtype'/);
    rejects(() => wg.ones([2], bad({ requiresGrad: 'yes' })), /^full: requiresGrad must be true or false, got yes/);
    const t = wg.zeros([2]);
    rejects(() => wg.onesLike(t, bad({ shape: [3] })), /^full: unknown option 'shape'/);
    t.dispose();
  });

  it('init() rejects unknown options before touching the device', async () => {
    await expect(wg.init(bad({ batch_size: 64 }))).rejects.toThrow(/^init: unknown option 'batch_size'\. Fix: did you mean 'batchSize'\? valid options: powerPreference, forceFallbackAdapter, debug, batchSize, verbose, poolCapBytes$/);
    await expect(wg.init(bad({ debug: true, verbse: true }))).rejects.toThrow(/init: unknown option 'verbse'.*did you mean 'verbose'/);
  });
});

describe('optionKeys', () => {
  it('needs every key of the options type and no other (the @ts-expect-error lines fail `tsc` otherwise)', () => {
    interface O {
      a?: number;
      b: string;
    }
    // @ts-expect-error b is missing
    optionKeys<O>({ a: true });
    // @ts-expect-error c is not an option of O
    optionKeys<O>({ a: true, b: true, c: true });
    expect(optionKeys<O>({ a: true, b: true })).toEqual(['a', 'b']);
  });
});

describe('creation values', () => {
  it('an unknown dtype throws naming the op, the dtype and the valid ones', () => {
    for (const [name, fn] of [
      ['full', () => wg.zeros([2], { dtype: 'float16' as never })],
      ['full', () => wg.full([2], 1, { dtype: 'float64' as never })],
      ['tensor', () => wg.tensor([1, 2], { dtype: 'float64' as never })],
      ['arange', () => wg.arange(3, undefined, 1, { dtype: 'int64' as never })],
      ['linspace', () => wg.linspace(0, 1, 3, { dtype: 'float16' as never })],
      ['eye', () => wg.eye(2, 2, { dtype: 'uint8' as never })],
    ] as const)
      rejects(fn, new RegExp(`^${name}: unknown dtype '(float16|float64|int64|uint8)'\\. Fix: use 'float32', 'int32', 'bool'`));
  });

  it('random draws reject a non-float32 dtype rather than ignore it', () => {
    rejects(() => wg.rand([2], { dtype: 'int32' }), /rand: draws float32 values, not int32. Fix: use randint/);
    rejects(() => wg.normal([2], 0, 1, { dtype: 'bool' }), /normal: draws float32 values, not bool/);
    expect(wg.randn([2], { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('full() with a fill value that is not a number or boolean', () => {
    rejects(() => wg.full([2], 'x' as never), /^full: the fill value must be a number or a boolean, got the string 'x'/);
    rejects(() => wg.full([2], null as never), /full: the fill value must be a number or a boolean, got null/);
    const t = wg.zeros([2]);
    rejects(() => wg.fullLike(t, '1' as never), /^full: the fill value must be/);
    t.dispose();
  });

  it('valid options still work, and *Like keeps the dtype unless told otherwise', async () => {
    const t = wg.tensor([1, 2], { dtype: 'int32' });
    expect(wg.zerosLike(t).dtype).toBe('int32');
    expect(wg.onesLike(t, { dtype: 'float32' }).dtype).toBe('float32');
    expect(wg.onesLike(t, { dtype: undefined }).dtype).toBe('int32');
    expect(Array.from(await wg.full([2], true, { dtype: 'bool' }).data())).toEqual([1, 1]);
    expect(wg.ones([2], undefined).dtype).toBe('float32');
  });
});
