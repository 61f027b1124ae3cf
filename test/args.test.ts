// PyTorch's call forms where PyTorch has them, and for everything else an Error naming the op and the
// argument, thrown before any GPU work: live buffers, dispatches and uploads do not move across a throw.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

const counters = () => {
  const s = wg.stats();
  return { liveBuffers: s.liveBuffers, dispatches: s.dispatches, uploads: s.uploads, readbacks: s.readbacks };
};

/** Runs `f`, which must throw a WebGradError matching `msg`, with no buffer, dispatch or upload on the way. */
function throwsClean(f: () => unknown, msg: RegExp): void {
  const before = counters();
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a throw matching ${msg}`).toBeInstanceOf(wg.WebGradError);
  expect((err as Error).message).toMatch(msg);
  expect(counters(), (err as Error).message).toEqual(before);
}

const any = <T>(v: unknown) => v as T;

describe('PyTorch varargs forms', () => {
  it('zeros, ones, rand, randn take sizes as arguments, with or without options', async () => {
    expect(wg.zeros(3).shape).toEqual([3]);
    expect(wg.zeros(2, 3).shape).toEqual([2, 3]);
    expect(wg.ones(2, 3, { dtype: 'int32' }).dtype).toBe('int32');
    expect(Array.from(await wg.ones(2, 2).data())).toEqual([1, 1, 1, 1]);
    expect(wg.randn(2, 3).shape).toEqual([2, 3]);
    expect(wg.rand(4, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(wg.zeros().shape).toEqual([]);
    expect(wg.zeros([2, 3], { dtype: 'bool' }).shape).toEqual([2, 3]);
  });

  it('reshape, view, permute, transpose, expand and repeat take dims as arguments', async () => {
    const x = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.reshape(3, 2).shape).toEqual([3, 2]);
    expect(x.view(-1).shape).toEqual([6]);
    expect(await x.permute(1, 0).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(await x.transpose(0, 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(wg.tensor([[1, 2, 3]]).expand(4, -1).shape).toEqual([4, 3]);
    expect(await x.repeat(2, 1).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [1, 2, 3], [4, 5, 6]]);
    expect(await x.repeat([1, 2]).toArray()).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    expect(x.repeat(2, 1, 1).shape).toEqual([2, 2, 3]);
    expect(wg.reshape(x, [6]).shape).toEqual([6]);
  });

  it('repeat is differentiable: each copy sends its gradient back', async () => {
    const x = wg.tensor([1, 2], { requiresGrad: true });
    x.repeat(3).mul(wg.tensor([1, 2, 3, 4, 5, 6])).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([1 + 3 + 5, 2 + 4 + 6]);
  });
});

describe('bad arguments throw an Error naming the op and the argument, before any work', () => {
  const x = wg.keep(wg.tensor([[1, 2], [3, 4]]));

  it('creation', () => {
    throwsClean(() => wg.tensor(any('abc')), /^tensor: data is the string 'abc'.*Fix: pass a number, a boolean, a \(nested\) array/);
    throwsClean(() => wg.tensor(any({})), /^tensor: data is an object/);
    throwsClean(() => wg.tensor(any(undefined)), /^tensor: data is undefined/);
    throwsClean(() => wg.tensor(any(null)), /^tensor: data is null/);
    throwsClean(() => wg.tensor(any([1, 'a'])), /^tensor: element 1 is the string 'a', not a number/);
    throwsClean(() => wg.zeros(2, any('3')), /^zeros: argument 2 is the string '3', where a size or an array of them goes/);
    throwsClean(() => wg.ones(any([2, null])), /^ones: size 1 of the list is null/);
    throwsClean(() => wg.randn(-1, 2), /^randn: sizes must be non-negative integers/);
  });

  it('int32 creation out of range names the value and the range', () => {
    throwsClean(() => wg.tensor([3e9], { dtype: 'int32' }), /^tensor: element 0 is 3000000000, outside the int32 range \[-2147483648, 2147483647\]/);
    throwsClean(() => wg.tensor([1, -3e9], { dtype: 'int32' }), /^tensor: element 1 is -3000000000, outside the int32 range/);
    throwsClean(() => wg.tensor([NaN], { dtype: 'int32' }), /^tensor: element 0 is NaN, outside the int32 range/);
    throwsClean(() => wg.full([2], 2 ** 31, { dtype: 'int32' }), /^full: fill value is 2147483648, outside the int32 range/);
    throwsClean(() => wg.arange(2 ** 31 - 2, 2 ** 31 + 2), /^arange: last value is 2147483649, outside the int32 range/);
    throwsClean(() => wg.randint(0, 2 ** 32, [2]), /^randint: largest value high - 1 is 4294967295, outside the int32 range/);
  });

  it('element counts past 2^32 - 1 throw, naming the limit, instead of wrapping', () => {
    const one = wg.keep(wg.ones([1]));
    throwsClean(() => one.expand([65536, 65537]), /^expand: shape \[65536, 65537\] has 4295032832 elements, over webgrad's limit of 2\^32 - 1 = 4294967295/);
  });

  it('ops given a non-tensor', () => {
    throwsClean(() => wg.cat([x, any(5)]), /^concat: element 1 of the list is 5, not a Tensor/);
    throwsClean(() => wg.stack([x, any(null)]), /^stack: element 1 of the list is null, not a Tensor/);
    throwsClean(() => wg.pad(x, any(1)), /^pad: widths is 1, not an array.*Fix: pass \[left, right\]/);
    throwsClean(() => x.matmul(any(5)), /^matmul: argument 2 is 5, not a Tensor/);
    throwsClean(() => wg.matmul(x, any(null)), /^matmul: argument 2 is null, not a Tensor/);
    throwsClean(() => x.matmul(any(null)), /^matmul: argument 2 is null/);
    throwsClean(() => x.add(any('1')), /^add: the second operand is the string '1', not a Tensor or a number/);
    throwsClean(() => wg.add(any('1'), x), /^add: the first operand is the string '1'/);
    throwsClean(() => wg.mul(x, any(undefined)), /^mul: the second operand is undefined/);
    throwsClean(() => wg.exp(any(null)), /^exp: the operand is null/);
    throwsClean(() => wg.where(any('c'), x, 0), /^where: the condition is the string 'c'/);
    throwsClean(() => wg.gather(x, 0, any([0])), /^gather: the index is an array of length 1, not a Tensor/);
    throwsClean(() => wg.tidy(any(5)), /^tidy: expects a function, got 5/);
  });

  it('views with bad dims or bounds', () => {
    throwsClean(() => x.flatten(3), /^flatten: axis 3 is out of range for a tensor of rank 2/);
    throwsClean(() => x.flatten(1, 0), /^flatten: startDim 1 comes after endDim 0/);
    throwsClean(() => x.slice(0, 0.5), /^slice: start must be an integer, got 0.5/);
    throwsClean(() => x.slice(0, 0, 1.5), /^slice: end must be an integer, got 1.5/);
    throwsClean(() => x.narrow(0, 0.5, 1), /^narrow: start must be an integer, got 0.5/);
    throwsClean(() => x.narrow(0, 0, 1.5), /^narrow: length must be an integer, got 1.5/);
    throwsClean(() => x.reshape(3, any<number>('a')), /^reshape: argument 2 is the string 'a'/);
    throwsClean(() => x.permute(0, 0), /^permute: dims \[0, 0\] are not a permutation/);
    throwsClean(() => x.repeat(2), /^repeat: 1 repeat counts for a tensor of rank 2/);
    throwsClean(() => x.select(1, 2), /^select: index 2 is out of range for dimension 1 of size 2/);
    throwsClean(() => x.size(2), /^size: axis 2 is out of range/);
    throwsClean(() => x.max(any<number>([0, 1]), { indices: true }), /^max: indices need exactly one axis/);
    throwsClean(() => x.max(0, any<boolean>({ keepdims: true })), /^max: unknown option 'keepdims'.*did you mean 'keepdim'/);
  });

  it('autograd: an int32 gradient, a second backward without retainGraph, a non-scalar grad(f)', async () => {
    const w = wg.keep(wg.tensor([1, 2], { requiresGrad: true }));
    const y = wg.keep(w.mul(2));
    const ig = wg.keep(wg.tensor(Int32Array.of(1, 1)));
    throwsClean(() => y.backward(ig), /^backward: the gradient must be float32, got a int32 tensor \[2\]/);
    throwsClean(() => y.backward(any([1, 1])), /^backward: the gradient is an array of length 2, not a Tensor/);
    const loss = wg.keep(y.sum());
    loss.backward();
    await wg.sync();
    throwsClean(() => loss.backward(), /^backward: the graph through 'sum' was already freed by an earlier backward\(\).*retainGraph/);
    throwsClean(() => wg.grad((t: wg.Tensor) => t.mul(2))(w), /^grad: the function must return a one-element tensor, got \[2\]/);
  });

  it('crossEntropy checks labels and weight before uploading the labels', () => {
    const logits = wg.keep(wg.tensor([[1, 2, 3], [0, 1, 0]]));
    throwsClean(() => wg.nn.functional.crossEntropy(logits, [0, 1, 2]), /^crossEntropy: target \[3\] does not match input \[2, 3\]/);
    const weight = wg.keep(wg.tensor([1, 1]));
    throwsClean(() => wg.nn.functional.crossEntropy(logits, [0, 1], { weight }), /^crossEntropy: weight has shape \[2\], but there are 3 classes/);
    throwsClean(() => wg.nn.functional.nllLoss(logits, [0, 5]), /^nllLoss: target 1 is 5, not a class index in \[0, 2\]/);
  });
});
