// The shape sweep (`npm run bench -- --sweep`): matmul, reductions and softmax over the small and skinny
// shapes training and inference meet (bias gradients, batch-norm statistics, 1–4 column heads, 1–4 row
// batches), on the same page as the peers. Workloads here have the same form as workloads.mjs's and a
// `family` and `dims`: shapes of one family that differ in one dimension are neighbours for the cliff
// report (sweep-report.mjs). Runtime-agnostic: no imports but workloads.mjs.
import { rng } from './workloads.mjs';

const numel = (shape) => shape.reduce((a, b) => a * b, 1);

function uniform(r, shape, lo = -1, hi = 1) {
  const a = new Float32Array(numel(shape));
  for (let i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * r();
  return { shape, data: a };
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const SIZES = [1, 2, 3, 4, 5, 8, 16, 64, 128, 256, 1024];
export const GRID = [1, 4, 32, 128, 512, 4096];

// ---- matmul ---------------------------------------------------------------------------------------

/**
 * out[b] = op(a[b]) @ op(b[b]); a is stored [B?, K, M] when ta, b [B?, N, K] when tb. Sampled
 * reference entries, computed in float64.
 */
function matmulWorkload({ B = 1, M, K, N, ta = false, tb = false, family }) {
  const batched = B > 1;
  const tag = `${batched ? `${B}x` : ''}${M}x${K}x${N}${ta ? 'aT' : ''}${tb ? 'bT' : ''}`;
  return {
    id: `sw-mm-${tag}`,
    label: `matmul ${batched ? `${B}×` : ''}[${M},${K}]${ta ? 'ᵀ' : ''} @ [${K},${N}]${tb ? 'ᵀ' : ''}`,
    kind: 'matmul', group: 'sweep', family, dims: { B, M, K, N },
    params: { B, M, K, N, batched, ta, tb },
    flops: 2 * B * M * K * N, outBytes: 4 * B * M * N, metric: 'GFLOP/s',
    inputs(r) {
      const lead = batched ? [B] : [];
      return { a: uniform(r, [...lead, ...(ta ? [K, M] : [M, K])]), b: uniform(r, [...lead, ...(tb ? [N, K] : [K, N])]) };
    },
    reference(inp, r) {
      const n = B * M * N;
      const idx = n <= 512 ? Array.from({ length: n }, (_, i) => i) : [0, n - 1, ...Array.from({ length: 254 }, () => Math.floor(r() * n))];
      const [a, b] = [inp.a.data, inp.b.data];
      const values = idx.map((i) => {
        const bi = Math.floor(i / (M * N)), row = Math.floor((i % (M * N)) / N), col = i % N;
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = a[bi * M * K + (ta ? k * M + row : row * K + k)];
          const bv = b[bi * K * N + (tb ? col * K + k : k * N + col)];
          s += av * bv;
        }
        return s;
      });
      return [{ idx, values, full: n, scale: Math.sqrt(Math.max(K, 1) / 9) }];
    },
  };
}

function matmulShapes(quick) {
  const S = SIZES;
  const list = [];
  const add = (s) => list.some((o) => o.B === (s.B ?? 1) && o.M === s.M && o.K === s.K && o.N === s.N && !!o.ta === !!s.ta && !!o.tb === !!s.tb) || list.push({ B: 1, ...s });
  // Few columns (heads, logistic regression): [1024, 64] @ [64, N].
  for (const N of quick ? [1, 2, 4, 5, 8, 16, 64, 128] : S.slice(0, 9)) add({ M: 1024, K: 64, N, family: 'mm-cols-1024x64' });
  // Few rows (inference batches): [M, 1024] @ [1024, 512].
  for (const M of quick ? [1, 2, 4, 5, 8, 16, 128] : S.slice(0, 9)) add({ M, K: 1024, N: 512, family: 'mm-rows-1024x512' });
  // Few rows against a narrow layer: [M, 256] @ [256, 64].
  for (const M of quick ? [1, 4, 8, 64] : [1, 2, 3, 4, 5, 8, 16, 64, 256]) add({ M, K: 256, N: 64, family: 'mm-rows-256x64' });
  // Inner products and outer products: K swept with small M, N.
  for (const K of quick ? [1, 16, 256, 1024] : [1, 4, 16, 64, 256, 1024]) add({ M: 128, K, N: 128, family: 'mm-k-128x128' });
  for (const K of quick ? [64, 1024] : [16, 64, 256, 1024]) add({ M: 4, K, N: 4, family: 'mm-k-4x4' });
  // Square.
  for (const n of quick ? [16, 64, 256] : [8, 16, 64, 128, 256]) add({ M: n, K: n, N: n, family: 'mm-square' });
  // Transposed operands (the gradients of a linear layer: x^T dY and dY W^T).
  for (const N of quick ? [1, 4, 64] : [1, 4, 8, 64]) add({ M: 1024, K: 64, N, ta: true, family: 'mm-cols-aT' });
  for (const N of quick ? [1, 4, 64] : [1, 4, 8, 64]) add({ M: 1024, K: 64, N, tb: true, family: 'mm-cols-bT' });
  for (const M of quick ? [4, 128] : [1, 4, 16, 128]) add({ M, K: 1024, N: 512, tb: true, family: 'mm-rows-bT' });
  // Weight gradients: [64, B]^T... as x^T (K = batch) @ dY.
  for (const N of quick ? [1, 4, 64] : [1, 4, 5, 64]) add({ M: 64, K: 1024, N, ta: true, family: 'mm-wgrad' });
  // Batched.
  for (const M of quick ? [1, 4, 64] : [1, 4, 16, 64]) add({ B: 8, M, K: 64, N: 64, family: 'mm-batched' });
  for (const N of quick ? [1, 64] : [1, 4, 64]) add({ B: 16, M: 128, K: 16, N, family: 'mm-batched-cols' });
  return list.map(matmulWorkload);
}

// ---- reductions and softmax -----------------------------------------------------------------------

/** float64 op over `axes` of a contiguous x; the error scale is a sum's natural magnitude. */
function reduceRef(x, shape, axes, op) {
  const nd = shape.length;
  const keep = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = keep.map((d) => shape[d]);
  const nout = numel(outShape);
  const n = numel(axes.map((d) => shape[d]));
  const acc = new Float64Array(nout).fill(op === 'max' ? -Infinity : 0);
  const sq = new Float64Array(nout);
  const strides = new Array(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) (strides[d] = s), (s *= shape[d]);
  const idx = new Array(nd).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (const d of keep) o = o * shape[d] + idx[d];
    const v = x[i];
    if (op === 'max') acc[o] = Math.max(acc[o], v);
    else acc[o] += v;
    sq[o] += v * v;
    for (let d = nd - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  let scale = 0;
  for (let o = 0; o < nout; o++) {
    if (op === 'mean') acc[o] /= n;
    scale += op === 'max' ? acc[o] * acc[o] : op === 'mean' ? sq[o] / (n * n) : sq[o];
  }
  return { values: acc, scale: Math.sqrt(scale / Math.max(nout, 1)) || 1 };
}

function reduceWorkload(op, shape, axes, family) {
  const all = axes.length === shape.length;
  const ax = all ? null : axes.length === 1 ? axes[0] : axes;
  const n = numel(shape);
  const tag = all ? 'all' : `ax${axes.join('')}`;
  return {
    id: `sw-${op}-${shape.join('x')}-${tag}`,
    label: `${op}([${shape.join(',')}], ${all ? 'all' : `axis ${axes.join(',')}`})`,
    kind: 'reduce', group: 'sweep', family: family ?? `${op}-${tag}`, dims: Object.fromEntries(shape.map((s, i) => [`d${i}`, s])),
    params: { op, axis: ax },
    bytes: 4 * n, outBytes: 4 * Math.max(1, n / numel(axes.map((d) => shape[d]))), metric: 'GB/s', tol: 1e-4,
    inputs: (r) => ({ x: uniform(r, shape) }),
    reference: (inp) => [reduceRef(inp.x.data, shape, axes, op)],
  };
}

function softmaxWorkload(R, C) {
  return {
    id: `sw-softmax-${R}x${C}`, label: `softmax([${R},${C}], -1)`, kind: 'softmax', group: 'sweep', family: 'softmax', dims: { d0: R, d1: C },
    params: { R, C }, bytes: 8 * R * C, outBytes: 4 * R * C, metric: 'GB/s',
    inputs: (r) => ({ x: uniform(r, [R, C], -4, 4) }),
    reference(inp) {
      const x = inp.x.data, out = new Float64Array(R * C);
      for (let i = 0; i < R; i++) {
        let m = -Infinity, s = 0;
        for (let j = 0; j < C; j++) m = Math.max(m, x[i * C + j]);
        for (let j = 0; j < C; j++) s += out[i * C + j] = Math.exp(x[i * C + j] - m);
        for (let j = 0; j < C; j++) out[i * C + j] /= s;
      }
      return [{ values: out }];
    },
  };
}

/**
 * The sweep's workloads. 'quick' keeps every family and the issue's shapes on a coarser grid (max and
 * mean on four sizes per side, no 16M-element inputs) so it runs in minutes; 'full' is the whole grid.
 */
export function sweepWorkloads(mode = 'quick') {
  const quick = mode === 'quick';
  const list = matmulShapes(quick);
  const cap = quick ? 8 << 20 : 16 << 20;
  const grid = (sizes) => sizes.flatMap((r) => sizes.map((c) => [r, c])).filter(([r, c]) => r * c <= cap);
  for (const op of ['sum', 'max', 'mean'])
    for (const axes of [[0], [1], [0, 1]])
      for (const [r, c] of grid(op === 'sum' || !quick ? GRID : [1, 32, 512, 4096])) list.push(reduceWorkload(op, [r, c], axes));
  for (const [r, c] of grid(GRID)) list.push(softmaxWorkload(r, c));
  // Bias gradients: sum over the batch of [B, C].
  for (const [b, c] of [[128, 10], [128, 64], [1024, 64], [64, 1000], [256, 120]]) list.push(reduceWorkload('sum', [b, c], [0], 'bias-grad'));
  // Batch-norm statistics: sum over batch and space of [B, C, H, W] (LeNet-, ResNet-like).
  for (const s of [[64, 6, 28, 28], [64, 16, 10, 10], [32, 64, 32, 32], [16, 128, 16, 16], [8, 256, 8, 8], [8, 512, 4, 4]])
    list.push(reduceWorkload('sum', s, [0, 2, 3], 'batchnorm'));
  // The issue's reductions off the grid (#9's table), so that the report shows them before and after.
  for (const [shape, axis] of [[[128, 64], 1], [[64, 1024], 0], [[128, 256], 1], [[64, 1024], 1], [[4096, 1024], 1]])
    if (!list.some((w) => w.id === `sw-sum-${shape.join('x')}-ax${axis}`)) list.push(reduceWorkload('sum', shape, [axis], 'issue-9'));
  for (const w of list) w.seed = hash(w.id);
  return list;
}

/** The ids of the shapes in issue #9's table, for the before/after headline. */
export const ISSUE_SHAPES = [
  'sw-mm-1024x64x4', 'sw-mm-1024x64x1', 'sw-mm-1024x64x5', 'sw-mm-1024x64x8', 'sw-mm-4x1024x512', 'sw-mm-1x1024x512', 'sw-mm-128x1024x512',
  'sw-sum-128x64-ax0', 'sw-sum-128x64-ax1', 'sw-sum-1024x64-ax0', 'sw-sum-64x1024-ax0', 'sw-sum-128x256-ax1', 'sw-sum-64x1024-ax1', 'sw-sum-4096x1024-ax1',
];

export { rng };
