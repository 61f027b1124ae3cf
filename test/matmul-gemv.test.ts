// The GEMV variants against the float64 reference: the software plan's register GEMV kernel
// (shaders/matmul_gemv.wgsl, one pipeline per row count 1..8) and the GPU plan's tiled GEMV (a workgroup
// tree over K, at most 4 rows), each forced through the profile so both run on any adapter. Odd shapes:
// every row count on either side (few rows, and few columns as the transposed problem), column counts
// around the kernel's 8 per invocation and 512 per workgroup, K = 1, primes, and K long enough to split;
// transposed, batched and bias operands. gemvRows 0 sends the same shapes to the regular kernels.
// Tolerance rtol/atol 1e-4 (2e-4 for split K: float32 partial sums in another order).
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { GEMV_REG_ROWS, profileOf } from '../src/kernels/index.ts';
import { device } from '../src/tensor/context.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { linearRef, matmulRef, transposeRef } from './reference/linalg.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const TOL = { rtol: 1e-4, atol: 1e-4 };
const LONG = { rtol: 2e-4, atol: 2e-4 };

async function check(a: Ref, b: Ref, label: string, A = up(a), B = up(b), tol = TOL): Promise<void> {
  const want = matmulRef(a, b);
  const y = wg.matmul(A, B);
  expect(y.shape, label).toEqual(want.shape);
  assertClose(await y.data(), want, tol, label);
}

const software = profileOf(device()).plan === 'software';
const PLANS = [
  // The register GEMV runs under any non-tiled plain-product kernel; 'registers' always exists.
  { name: 'register GEMV (software plan)', patch: { plan: 'software' as const, matmul: 'registers' as const, gemvRows: GEMV_REG_ROWS, gemvChunks: 2 }, rows: GEMV_REG_ROWS },
  { name: 'tiled GEMV (GPU plan)', patch: { plan: 'gpu' as const, matmul: 'tiled' as const, gemvRows: 4, gemvChunks: 1 }, rows: 4 },
];

describe.each(PLANS)('$name', ({ patch, rows }) => {
  afterEach(restoreProfile);

  it('takes the GEMV kernel for every row count up to the crossover, and not past it', async () => {
    forceProfile(patch);
    for (const m of [1, rows, rows + 1])
      await wg.scope(async () => {
        const a = wg.zeros([m, 37]);
        const b = wg.zeros([37, 70]);
        wg.resetStats();
        await wg.matmul(a, b).data();
        expect(wg.stats().kernels['matmul:gemv'] ?? 0, `${m} rows`).toBe(m <= rows ? 1 : 0);
      });
  });

  it('few rows: every row count, columns around 8 and 512, K = 1 and primes', async () => {
    forceProfile(patch);
    for (let m = 1; m <= rows; m++)
      for (const [k, n] of [[1, 9], [37, 7], [13, 8], [64, 515], [5, 1]] as const)
        await check(randomRef([m, k], 10 * m + k), randomRef([k, n], 7 * n + k), `[${m},${k}] @ [${k},${n}]`);
  });

  it('few columns: the transposed problem, plain and with transposed storage', async () => {
    forceProfile(patch);
    for (const n of [1, 3, rows])
      for (const m of [9, 1031]) {
        const a = randomRef([m, 29], m + n);
        const b = randomRef([29, n], 3 * n);
        await check(a, b, `[${m},29] @ [29,${n}]`);
        const T = (r: Ref) => wg.views.transpose(up(r));
        const at = transposeRef(a);
        const bt = transposeRef(b);
        await check(a, b, `[${m},29]T-stored @ [29,${n}]`, T(at), up(b));
        await check(a, b, `[${m},29] @ [29,${n}]T-stored`, up(a), T(bt));
      }
  });

  it('long K splits across workgroups; batches; the bias of linear', async () => {
    forceProfile(patch);
    await check(randomRef([3, 2600], 1), randomRef([2600, 70], 2), 'split K, 3 rows', undefined, undefined, LONG);
    await check(randomRef([700, 1500], 3), randomRef([1500, 2], 4), 'split K, 2 columns', undefined, undefined, LONG);
    await check(randomRef([5, 2, 37], 5), randomRef([5, 37, 19], 6), '5 batches of 2 rows');
    await check(randomRef([6, 130, 11], 7), randomRef([6, 11, 1], 8), '6 batches of one column');
    await check(randomRef([2, 3, 1, 17], 9), randomRef([3, 17, 600], 10), 'broadcast batch, one row');
    const x = randomRef([rows, 23], 11);
    const w = randomRef([529, 23], 12);
    const bias = randomRef([529], 13);
    assertClose(await wg.linear(up(x), up(w), up(bias)).data(), linearRef(x, w, bias), TOL, 'linear, few rows');
    const x2 = randomRef([301, 23], 14);
    const w2 = randomRef([3, 23], 15);
    const b2 = randomRef([3], 16);
    assertClose(await wg.linear(up(x2), up(w2), up(b2)).data(), linearRef(x2, w2, b2), TOL, 'linear, 3 outputs');
  });
});

describe('a few rows past the GEMV crossover: one GEMV pass per gemvRows rows (gemvChunks)', () => {
  afterEach(restoreProfile);

  it('9 to 16 rows (or columns) as two passes, against the reference, with a bias and transposed weights; small ones stay one kernel', async () => {
    forceProfile({ plan: 'software', matmul: 'registers', gemvRows: GEMV_REG_ROWS, gemvChunks: 2, gemvChunkMinWork: 1 << 16 });
    // K * N >= gemvChunkMinWork; K = 1100 is long enough to split K inside each pass (a row block of C
    // is contiguous, so its split-K sum may write it whole).
    for (const m of [GEMV_REG_ROWS + 1, 13, 2 * GEMV_REG_ROWS]) {
      const a = randomRef([m, 1100], 20 + m);
      const b = randomRef([1100, 257], 40 + m);
      wg.resetStats();
      await check(a, b, `[${m},1100] @ [1100,257]`, undefined, undefined, LONG);
      expect(wg.stats().kernels['matmul:gemv'], `${m} rows`).toBe(2);
      expect(wg.stats().kernels['matmul:splitk'], `${m} rows`).toBe(2);
      const w = randomRef([257, 1100], 60 + m);
      const bias = randomRef([257], 80 + m);
      assertClose(await wg.linear(up(a), up(w), up(bias)).data(), linearRef(a, w, bias), LONG, `linear, ${m} rows`);
    }
    // 9 to 16 columns: the transposed problem in column blocks (no split K: a block is not contiguous).
    for (const n of [GEMV_REG_ROWS + 1, 2 * GEMV_REG_ROWS]) {
      const a = randomRef([257, 1100], 100 + n);
      const b = randomRef([1100, n], 120 + n);
      wg.resetStats();
      await check(a, b, `[257,1100] @ [1100,${n}]`, undefined, undefined, LONG);
      expect(wg.stats().kernels['matmul:gemv'], `${n} columns`).toBe(2);
      expect(wg.stats().kernels['matmul:splitk'] ?? 0).toBe(0);
      const w = randomRef([n, 1100], 140 + n);
      const bias = randomRef([n], 160 + n);
      assertClose(await wg.linear(up(a), up(w), up(bias)).data(), linearRef(a, w, bias), LONG, `linear, ${n} outputs`);
    }
    // Past 2 * gemvRows, or with B below gemvChunkMinWork, or batched: the regular kernel.
    for (const [m, k, n] of [[2 * GEMV_REG_ROWS + 1, 300, 257], [12, 37, 70]]) {
      wg.resetStats();
      await check(randomRef([m, k], m), randomRef([k, n], n), `[${m},${k}] @ [${k},${n}]`, undefined, undefined, LONG);
      expect(wg.stats().kernels['matmul:gemv'] ?? 0, `[${m},${k}] @ [${k},${n}]`).toBe(0);
    }
    await check(randomRef([3, 12, 300], 5), randomRef([3, 300, 257], 6), '3 batches of 12 rows', undefined, undefined, LONG);
  });
});

describe('the GEMV crossover comes from the profile', () => {
  afterEach(restoreProfile);

  it('gemvRows 0 sends skinny products to the regular kernel, with the same results', async () => {
    forceProfile({ gemvRows: 0 });
    wg.resetStats();
    await check(randomRef([3, 41], 1), randomRef([41, 77], 2), 'regular kernel, 3 rows');
    await check(randomRef([77, 41], 3), randomRef([41, 1], 4), 'regular kernel, 1 column');
    expect(wg.stats().kernels['matmul:gemv'] ?? 0).toBe(0);
  });

  it.runIf(software)('the software plan takes GEMV up to 8 rows (its measured crossover)', () => {
    expect(profileOf(device()).gemvRows).toBe(8);
  });
});
