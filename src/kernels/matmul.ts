// Matrix products on shaders/matmul.wgsl. `matmul` takes strided views, so transposes, slices and
// broadcast batches are read in place; it picks the tiled kernel or GEMV, merges batch dimensions
// where the layout allows (a shared right operand folds the batch into M), and splits K across
// workgroups when the output alone has too few tiles to fill the GPU. `gemm` is the shared dispatcher
// that the conv kernels (conv.ts) drive with their implicit-GEMM modes. On a CPU-emulated adapter
// (SwiftShader) plain products and conv2d forward take shaders/matmul_reg.wgsl instead of the
// shared-memory tiles (see that file for the measurements behind it); plain products take
// matmul_sg.wgsl when a probe at init (calibrate) has shown that the device's subgroups suit it.
import { fail, shapeStr, type Device } from '../device/index.ts';
import { render, shaderSource } from './shaders.ts';
import { planOf } from './plan.ts';
import { cachedSpec } from './spec.ts';
import { coalesce, numel, type View } from './view.ts';

export const GEMM_MODE = { matmul: 0, convForward: 1, convInput: 2, convWeight: 3, gemv: 4, sumSplits: 5 } as const;
type Mode = (typeof GEMM_MODE)[keyof typeof GEMM_MODE];
const NAMES = ['matmul', 'conv2d', 'conv2d:dx', 'conv2d:dw', 'matmul:gemv', 'matmul:splitk'];
const MAX_BATCH = 4;
const TILE = 64;
/** Products with at most this many rows (or columns) take the GEMV kernel. */
const GEMV_ROWS = 4;
/**
 * Below this many workgroups K is split across workgroups: a large GPU has 100+ cores, and a product
 * like a 128-row batch through a 784x512 layer has only 16 output tiles.
 */
const FEW_GROUPS = 128;
/** Split-K aims for about this many workgroups. */
const TARGET_GROUPS = 256;
/** The most temporary memory split-K may take. */
const SPLIT_BYTES = 64 << 20;

/**
 * Below this many workgroups a CPU-emulated adapter splits K: it has a few cores, not 100+, and each
 * split costs an extra pass over the partial sums.
 */
const FEW_GROUPS_CPU = 8;
const TARGET_GROUPS_CPU = 16;

const common = (): string => {
  const s = shaderSource('matmul_common');
  if (s === undefined) throw new Error("webgrad: shader 'matmul_common' is missing from shaders/");
  return s;
};

function specFor(mode: Mode) {
  return cachedSpec(`matmul|${mode}`, () => ({ name: NAMES[mode]!, source: render('matmul', { MODE: `${mode}`, COMMON: common() }), reads: 3, writes: 1 }));
}

// matmul_reg.wgsl serves plain products (MODE 0) and conv2d forward (MODE 1).
const regSpec = (mode: 0 | 1) =>
  cachedSpec(`matmul|reg|${mode}`, () => ({
    name: NAMES[mode]!,
    source: render('matmul_reg', { MODE: `${mode}`, COMMON: common() }),
    reads: 3,
    writes: 1,
  }));
// `enable` must precede every declaration, so it goes before the prelude that render() prepends.
const sgSpec = () =>
  cachedSpec('matmul|sg', () => ({ name: 'matmul', source: `enable subgroups;\n${render('matmul_sg', { COMMON: common() })}`, reads: 3, writes: 1 }));

export type MatmulKernel = 'auto' | 'tiled' | 'registers' | 'subgroups';
let kernelChoice: MatmulKernel = 'auto';
/**
 * Forces the plain-product kernel ('auto': on CPU-emulated adapters the subgroup kernel once its probe
 * has passed, the register kernel until then or without it; else tiled). conv2d forward follows: tiled
 * under 'tiled', else its register variant. For tests; 'subgroups' needs `subgroupMatmulReady(dev)` to
 * have resolved true.
 */
export function setMatmulKernel(k: MatmulKernel): void {
  kernelChoice = k;
}

const sgProbes = new WeakMap<Device, Promise<boolean>>();
const sgPassed = new WeakSet<Device>();

/**
 * Whether matmul_sg.wgsl compiles and computes right on this device: probed once per device, by one
 * small product checked exactly. Its lane arithmetic holds only where subgroups are runs of 4 (or 8)
 * consecutive invocations; a runtime without `enable subgroups`, or another subgroup layout, fails the
 * probe and keeps the register kernel.
 */
export function subgroupMatmulReady(dev: Device): Promise<boolean> {
  let p = sgProbes.get(dev);
  if (!p) {
    p = (dev.info.features.subgroups ? probeSubgroups(dev) : Promise.resolve(false))
      .catch(() => false)
      .then((ok) => {
        if (ok) sgPassed.add(dev);
        return ok;
      });
    sgProbes.set(dev, p);
  }
  return p;
}

async function probeSubgroups(dev: Device): Promise<boolean> {
  // Two broadcast rounds and a 3-step tail; small integers, so every sum is exact.
  const [M, N, K] = [64, 64, 11];
  const a = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 13) - 6);
  const b = Float32Array.from({ length: K * N }, (_, i) => ((i * 5) % 11) - 5);
  const params = new Uint32Array(64);
  params.set([M, N, K, K, 1, 1, 1, 1, 0, 0, 0, 0, K, 1, N, 1, N, 1]);
  // Bindings as in matmul_common.wgsl: params, A, B, BIAS (unused: no bias flag), C.
  const out = await dev.probe('matmul:subgroup-probe', sgSpec().source, [params, a, b, a], M * N * 4);
  if (!out) return false;
  const got = new Float32Array(out);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let want = 0;
      for (let k = 0; k < K; k++) want += a[m * K + k]! * b[k * N + n]!;
      if (got[m * N + n] !== want) return false;
    }
  return true;
}

/**
 * The per-device checks that kernel choices depend on; init() awaits them, so no op ever waits on a
 * probe or reads anything back for one, and the first product already runs the kernel later ones do.
 */
export async function calibrate(dev: Device): Promise<void> {
  if (dev.info.software) await subgroupMatmulReady(dev);
}

type Plain = 'tiled' | 'registers' | 'subgroups';
function plainKernel(dev: Device): Plain {
  if (kernelChoice === 'subgroups' && !sgPassed.has(dev)) throw new Error('webgrad: the subgroup matmul kernel has not passed its probe on this device');
  if (kernelChoice !== 'auto') return kernelChoice;
  if (planOf(dev) === 'gpu') return 'tiled';
  return sgPassed.has(dev) ? 'subgroups' : 'registers';
}

/**
 * One GEMM: C[b] (M x N) = A[b] (M x K) B[b] (K x N) (+ bias), b over `batch` (at most 4 dims). Strides
 * are in elements; conv modes reinterpret B's or A's columns through `conv`.
 */
export interface Gemm {
  mode: 0 | 1 | 2 | 3 | 4;
  M: number;
  N: number;
  K: number;
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  bias?: GPUBuffer;
  offA: number;
  offB: number;
  offC: number;
  offBias?: number;
  sam: number;
  sak: number;
  sbk: number;
  sbn: number;
  scm: number;
  scn: number;
  sbiasM?: number;
  sbiasN?: number;
  batch: readonly number[];
  bsa: readonly number[];
  bsb: readonly number[];
  bsc: readonly number[];
  bsbias?: readonly number[];
  /** Tile loading order: along k for A (else along m); along n for B (else along k). */
  aKfast: boolean;
  bNfast: boolean;
  /** GEMV: output columns per workgroup (a power of two <= 256). */
  gvNt?: number;
  /** cv_a, cv_b, cv_sp, xs, gs of the shader's Params (20 numbers). */
  conv?: readonly number[];
  /**
   * Elements of C, from offC, that the result covers densely (every one written). Split-K sums its
   * partial products into exactly this range.
   */
  cSize: number;
  op: string;
}

/** Records the dispatches of one GEMM (two with split-K). */
export function gemm(dev: Device, g: Gemm): void {
  if (g.M === 0 || g.N === 0 || g.batch.some((s) => s === 0)) return;
  if (g.batch.length > MAX_BATCH) throw new Error(`webgrad: gemm got ${g.batch.length} batch dimensions`);
  const nb = numel(g.batch);
  const gemv = g.mode === GEMM_MODE.gemv;
  // conv2d forward has a register variant (no subgroup one), taken wherever plain products leave the
  // tiled kernel; its gradients stay tiled.
  const conv = g.mode === GEMM_MODE.convForward;
  const kernel = g.mode === GEMM_MODE.matmul ? plainKernel(dev) : conv && plainKernel(dev) !== 'tiled' ? 'registers' : 'tiled';
  const reg = kernel !== 'tiled';
  const nt = g.gvNt ?? 1;
  const tilesN = gemv ? Math.ceil(g.N / nt) : Math.ceil(g.N / TILE);
  const tilesM = gemv ? 1 : Math.ceil(g.M / TILE);
  const groups = tilesN * tilesM * nb;
  let splits = 1;
  let kchunk = Math.max(g.K, 1);
  // Each split keeps at least this much of K, so the extra pass over the partial sums stays small.
  const minChunk = gemv ? 512 : 128;
  if (groups < (reg ? FEW_GROUPS_CPU : FEW_GROUPS) && g.K >= 2 * minChunk) {
    splits = Math.min(Math.ceil((reg ? TARGET_GROUPS_CPU : TARGET_GROUPS) / groups), Math.floor(g.K / minChunk), 64, Math.floor(SPLIT_BYTES / (4 * g.cSize)));
    if (splits > 1) {
      kchunk = Math.ceil(g.K / splits / 16) * 16;
      splits = Math.ceil(g.K / kchunk);
    }
    if (splits < 2) (splits = 1), (kchunk = g.K);
  }
  const tmp = splits > 1 ? dev.allocate(splits * g.cSize * 4, g.op, [splits, g.cSize]) : null;
  const total = groups * splits;
  const flags = (g.aKfast ? 1 : 0) | (g.bNfast ? 2 : 0) | (g.bias ? 4 : 0);
  const geometry = g.conv ?? [];
  dev.dispatch(
    kernel === 'subgroups' ? sgSpec() : reg ? regSpec(conv ? 1 : 0) : specFor(g.mode),
    (w) => {
      w.u32(g.M).u32(g.N).u32(g.K).u32(kchunk);
      w.u32(tilesN).u32(tilesM).u32(nb).u32(total);
      w.u32(g.offA).u32(g.offB).u32(tmp ? 0 : g.offC).u32(g.offBias ?? 0);
      w.u32(g.sam).u32(g.sak).u32(g.sbk).u32(g.sbn);
      w.u32(g.scm).u32(g.scn).u32(g.sbiasM ?? 0).u32(g.sbiasN ?? 0);
      w.u32(flags).u32(g.batch.length).u32(tmp ? g.cSize : 0).u32(nt);
      w.u32s(g.batch, 4).u32s(g.bsa, 4).u32s(g.bsb, 4).u32s(g.bsc, 4).u32s(g.bsbias ?? [], 4);
      for (let i = 0; i < 20; i++) w.i32(geometry[i] ?? 0);
    },
    [g.a, g.b, g.bias ?? g.a, tmp ?? g.c],
    dev.grid(total),
  );
  if (!tmp) return;
  dev.dispatch(
    specFor(GEMM_MODE.sumSplits),
    (w) => {
      w.u32(g.cSize).u32(0).u32(splits).u32(0);
      w.u32(0).u32(0).u32(0).u32(Math.ceil(g.cSize / 256));
      w.u32(0).u32(0).u32(g.offC).u32(0);
      w.u32s([], 8).u32(0).u32(0).u32(g.cSize).u32(0);
    },
    [tmp, tmp, tmp, g.c],
    dev.grid(Math.ceil(g.cSize / 256)),
  );
  dev.release(tmp);
}

const pow2ceil = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

/**
 * out = a @ b (+ bias). a: [...batch, M, K], b: [...batch, K, N], out: [...batch, M, N] contiguous,
 * all with the same batch rank (broadcast batch dimensions have stride 0). bias, when given, is viewed
 * at out's shape (stride 0 where it broadcasts). float32 only.
 */
export function matmul(dev: Device, a: View, b: View, out: View, bias?: View): void {
  const r = out.shape.length;
  if (r < 2 || a.shape.length !== r || b.shape.length !== r || (bias && bias.shape.length !== r))
    fail('matmul', `kernel operands must share rank >= 2, got ${shapeStr(a.shape)}, ${shapeStr(b.shape)} -> ${shapeStr(out.shape)}`);
  const [M, K] = a.shape.slice(-2) as [number, number];
  const N = b.shape[r - 1]!;
  if (numel(out.shape) === 0) return;
  const bshape = out.shape.slice(0, -2);
  const st = (v: View) => v.strides.slice(0, -2);
  const biasV = bias ?? { buffer: a.buffer, dtype: 'float32', shape: out.shape, strides: out.shape.map(() => 0), offset: 0 };
  const cb = coalesce(bshape, [st(a), st(b), st(out), st(biasV)]);
  const [sbm, sbn] = [biasV.strides[r - 2]!, biasV.strides[r - 1]!];
  let M2 = M;
  let sam = a.strides[r - 2]!;
  let scm = out.strides[r - 2]!;
  let sbiasM = sbm;
  let batch = cb.shape;
  let [bsa, bsb, bsc, bsbias] = cb.strides as [number[], number[], number[], number[]];
  // A right operand shared by the whole batch lets the batch become more rows of one product.
  if (batch.length && bsb.every((s) => s === 0)) {
    const f = coalesce([...batch, M], [[...bsa, sam], [...bsc, scm], [...bsbias, sbm]]);
    if (f.shape.length <= 1) {
      M2 = numel(batch) * M;
      [sam, scm, sbiasM] = f.shape.length ? [f.strides[0]![0]!, f.strides[1]![0]!, f.strides[2]![0]!] : [sam, scm, sbm];
      batch = [];
      bsa = bsb = bsc = bsbias = [];
    }
  }
  const run = (lead: number[], offA: number, offB: number, offC: number, offBias: number): void => {
    if (lead.length > MAX_BATCH) {
      // More batch dimensions than the kernel indexes: one dispatch per leading index.
      const d = batch.length - lead.length;
      for (let i = 0; i < lead[0]!; i++) run(lead.slice(1), offA + i * bsa[d]!, offB + i * bsb[d]!, offC + i * bsc[d]!, offBias + i * bsbias[d]!);
      return;
    }
    const d = batch.length - lead.length;
    const base = {
      a: a.buffer,
      b: b.buffer,
      c: out.buffer,
      bias: bias ? bias.buffer : undefined,
      offBias,
      batch: lead,
      cSize: numel(lead) * M2 * N,
      op: 'matmul',
    };
    const [ba, bb, bc, bbias] = [bsa.slice(d), bsb.slice(d), bsc.slice(d), bsbias.slice(d)];
    const [sak, sbk, sbnn, scn] = [a.strides[r - 1]!, b.strides[r - 2]!, b.strides[r - 1]!, out.strides[r - 1]!];
    if (Math.min(M2, N) <= GEMV_ROWS) {
      // Few rows: each loaded B element serves them all. Few columns is the transposed problem
      // C^T = B^T A^T, which swaps the operands' roles and strides.
      const t = N < M2;
      const rows = t ? N : M2;
      const n = t ? M2 : N;
      const mat = t ? { off: offA, sk: sak, sn: sam, bs: ba } : { off: offB, sk: sbk, sn: sbnn, bs: bb };
      const kfast = mat.sk === 1 && mat.sn !== 1;
      gemm(dev, {
        ...base,
        mode: GEMM_MODE.gemv,
        M: rows,
        N: n,
        K,
        a: t ? b.buffer : a.buffer,
        b: t ? a.buffer : b.buffer,
        offA: t ? offB : offA,
        offB: mat.off,
        offC,
        sam: t ? sbnn : sam,
        sak: t ? sbk : sak,
        sbk: mat.sk,
        sbn: mat.sn,
        scm: t ? scn : scm,
        scn: t ? scm : scn,
        sbiasM: t ? sbn : sbiasM,
        sbiasN: t ? sbiasM : sbn,
        bsa: t ? bb : ba,
        bsb: mat.bs,
        bsc: bc,
        bsbias: bbias,
        aKfast: kfast,
        bNfast: false,
        gvNt: kfast ? Math.min(8, pow2ceil(n)) : Math.min(32, pow2ceil(n)),
      });
      return;
    }
    gemm(dev, {
      ...base,
      mode: GEMM_MODE.matmul,
      M: M2,
      N,
      K,
      offA,
      offB,
      offC,
      sam,
      sak,
      sbk,
      sbn: sbnn,
      scm,
      scn,
      sbiasM,
      sbiasN: sbn,
      bsa: ba,
      bsb: bb,
      bsc: bc,
      bsbias: bbias,
      // Neighbouring threads load neighbouring addresses: along whichever axis has the smaller stride.
      aKfast: sak === 1 || (sam !== 1 && sak <= sam),
      bNfast: sbnn === 1 || (sbk !== 1 && sbnn <= sbk),
    });
  };
  run(batch, a.offset, b.offset, out.offset, bias ? bias.offset : 0);
}
