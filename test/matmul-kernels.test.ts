// Every plain-product kernel on every kind of operand: a device picks one of them ('tiled' on GPUs;
// 'subgroups' on CPU-emulated adapters whose subgroup probe passes, else 'registers'), so each
// runtime's own choice alone would leave the others untested here. 'subgroups' is skipped where the
// probe fails (no `subgroups` feature, or another subgroup layout).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { profileOf, type MatmulVariant } from '../src/kernels/index.ts';
import { device } from '../src/tensor/context.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { linearRef, matmulRef, transposeRef } from './reference/linalg.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const TOL = { rtol: 1e-4, atol: 1e-4 };

async function check(a: Ref, b: Ref, label: string, A = up(a), B = up(b), tol = TOL): Promise<void> {
  const want = matmulRef(a, b);
  const y = wg.matmul(A, B);
  expect(y.shape, label).toEqual(want.shape);
  assertClose(await y.data(), want, tol, label);
}

const subgroupsOk = profileOf(device()).subgroupMatmul;

describe.each(['tiled', 'registers', 'subgroups'] as MatmulVariant[])('%s kernel', (kernel) => {
  if (kernel === 'subgroups' && !subgroupsOk) {
    it.skip('the subgroup probe failed on this device', () => {});
    return;
  }
  beforeEach(() => forceProfile({ matmul: kernel }));
  afterEach(restoreProfile);

  it('shapes: primes, tile edges, one row past a tile, K = 1', async () => {
    const shapes: [number, number, number][] = [[5, 7, 5], [7, 13, 127], [67, 131, 97], [64, 64, 64], [65, 1, 65], [129, 63, 5], [9, 300, 71]];
    for (const [m, k, n] of shapes) await check(randomRef([m, k], m + k), randomRef([k, n], k + n), `${m}x${k}x${n}`);
  });

  it('batched, with broadcast batch dimensions and a shared right operand', async () => {
    await check(randomRef([3, 2, 9, 11], 1), randomRef([2, 11, 13], 2), 'broadcast batch');
    await check(randomRef([4, 1, 6, 8], 3), randomRef([3, 8, 70], 4), 'batch broadcast both ways');
    await check(randomRef([3, 5, 17], 5), randomRef([17, 19], 6), 'shared right operand folds into M');
    await check(randomRef([2, 3, 2, 2, 5, 9, 7], 7), randomRef([7, 6], 8), 'more batch dims than the kernel indexes');
  });

  it('transposed and strided operands, read in place', async () => {
    const at = randomRef([23, 71], 9);
    const bt = randomRef([45, 23], 10);
    const T = (r: Ref) => wg.views.transpose(up(r));
    await check(transposeRef(at), transposeRef(bt), 'both transposed', T(at), T(bt));
    await check(transposeRef(at), randomRef([23, 9], 11), 'a transposed', T(at), up(randomRef([23, 9], 11)));
    const big = randomRef([40, 60], 12);
    const t = up(big);
    const a = wg.views.slice(wg.views.slice(t, 0, 3, 36), 1, 1, 60, 3); // [33, 20]
    const sub: Ref = { data: new Float64Array(33 * 20), shape: [33, 20] };
    for (let i = 0; i < 33; i++) for (let j = 0; j < 20; j++) sub.data[i * 20 + j] = big.data[(3 + i) * 60 + 1 + 3 * j]!;
    await check(sub, randomRef([20, 6], 13), 'stepped slice', a, up(randomRef([20, 6], 13)));
  });

  it('split K, the bias of linear, NaN and an empty K', async () => {
    await check(randomRef([9, 3000], 14), randomRef([3000, 6], 15), 'split-K', undefined, undefined, { rtol: 2e-4, atol: 2e-4 });
    const x = randomRef([2, 37, 29], 16);
    const w = randomRef([11, 29], 17);
    const b = randomRef([11], 18);
    assertClose(await wg.linear(up(x), up(w), up(b)).data(), linearRef(x, w, b), TOL, 'linear with bias');
    const an = randomRef([70, 9], 19);
    an.data[66 * 9 + 4] = NaN;
    await check(an, randomRef([9, 67], 20), 'NaN in the last row tile');
    expect(Array.from(await wg.matmul(wg.zeros([5, 0]), wg.zeros([0, 6])).data())).toEqual(new Array(30).fill(0));
  });
});
