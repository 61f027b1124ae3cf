// The GEMM descriptor and its dispatch: one C = A B (+ bias) over strided operands and up to four batch
// dimensions, on the kernel the profile chooses (gemm-kernels.ts). When the output alone has too few
// tiles to fill the device, K is split across workgroups and a second pass sums the partial products.
// matmul() (matmul.ts) and the conv kernels (conv.ts, with their implicit-GEMM modes) drive it.
import type { Device } from '../device/index.ts';
import { GEMM_FLAGS, GEMM_MODE, GEMV_REG_COLS, GemmParams, MAX_BATCH, TILE, gemmKernel, gemmSpec } from './gemm-kernels.ts';
import { profileOf } from './profile.ts';
import { numel } from './view.ts';

/** The conv geometry fields of GemmParams (see there). */
export interface ConvUniforms {
  cv_a: readonly number[];
  cv_b: readonly number[];
  cv_sp: readonly number[];
  xs: readonly number[];
  gs: readonly number[];
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
  /** GEMV on the tiled kernel: output columns per workgroup (a power of two <= 256). */
  gvNt?: number;
  conv?: ConvUniforms;
  /**
   * Elements of C, from offC, that the result covers densely (every one written). Split-K sums its
   * partial products into exactly this range.
   */
  cSize: number;
  /** No split-K: for outputs that do not cover cSize densely (a column block of a wider C). */
  noSplitK?: boolean;
  op: string;
}

const NO_CONV: ConvUniforms = { cv_a: [], cv_b: [], cv_sp: [], xs: [], gs: [] };

/** Records the dispatches of one GEMM (two with split-K). */
export function gemm(dev: Device, g: Gemm): void {
  if (g.M === 0 || g.N === 0 || g.batch.some((s) => s === 0)) return;
  if (g.batch.length > MAX_BATCH) throw new Error(`webgrad: gemm got ${g.batch.length} batch dimensions`);
  const p = profileOf(dev);
  const nb = numel(g.batch);
  const gemv = g.mode === GEMM_MODE.gemv;
  const kernel = gemmKernel(p.matmul, g.mode);
  // The register GEMV kernel's workgroups cover a fixed run of columns; the tiled one's are the caller's.
  const nt = gemv && kernel !== 'tiled' ? GEMV_REG_COLS : g.gvNt ?? 1;
  const tilesN = gemv ? Math.ceil(g.N / nt) : Math.ceil(g.N / TILE);
  const tilesM = gemv ? 1 : Math.ceil(g.M / TILE);
  const groups = tilesN * tilesM * nb;
  let splits = 1;
  let kchunk = Math.max(g.K, 1);
  // Each split keeps at least this much of K, so the extra pass over the partial sums stays small.
  const minChunk = gemv ? 512 : 128;
  const sk = kernel === 'tiled' ? p.splitK.tiled : p.splitK.registers;
  if (!g.noSplitK && groups < sk.fewGroups && g.K >= 2 * minChunk) {
    splits = Math.min(Math.ceil(sk.targetGroups / groups), Math.floor(g.K / minChunk), 64, Math.floor(p.splitK.maxBytes / (4 * g.cSize)));
    if (splits > 1) {
      kchunk = Math.ceil(g.K / splits / 16) * 16;
      splits = Math.ceil(g.K / kchunk);
    }
    if (splits < 2) (splits = 1), (kchunk = g.K);
  }
  const tmp = splits > 1 ? dev.allocate(splits * g.cSize * 4, g.op, [splits, g.cSize]) : null;
  const total = groups * splits;
  const flags = (g.aKfast ? GEMM_FLAGS.aKfast : 0) | (g.bNfast ? GEMM_FLAGS.bNfast : 0) | (g.bias ? GEMM_FLAGS.bias : 0);
  const cv = g.conv ?? NO_CONV;
  dev.dispatch(
    gemmSpec(kernel, g.mode, g.M),
    (w) =>
      GemmParams.write(w, {
        M: g.M,
        N: g.N,
        K: g.K,
        kchunk,
        tiles_n: tilesN,
        tiles_m: tilesM,
        nbatch: nb,
        total,
        off_a: g.offA,
        off_b: g.offB,
        off_c: tmp ? 0 : g.offC,
        off_bias: g.offBias ?? 0,
        sam: g.sam,
        sak: g.sak,
        sbk: g.sbk,
        sbn: g.sbn,
        scm: g.scm,
        scn: g.scn,
        sbias_m: g.sbiasM ?? 0,
        sbias_n: g.sbiasN ?? 0,
        flags,
        nbd: g.batch.length,
        split_stride: tmp ? g.cSize : 0,
        gv_nt: nt,
        bshape: g.batch,
        bsa: g.bsa,
        bsb: g.bsb,
        bsc: g.bsc,
        bsbias: g.bsbias ?? [],
        cv_a: cv.cv_a,
        cv_b: cv.cv_b,
        cv_sp: cv.cv_sp,
        xs: cv.xs,
        gs: cv.gs,
      }),
    [g.a, g.b, g.bias ?? g.a, tmp ?? g.c],
    dev.grid(total),
  );
  if (!tmp) return;
  // The sum pass reads M = cSize elements of K = splits partials, split_stride apart.
  const sums = Math.ceil(g.cSize / 256);
  dev.dispatch(
    gemmSpec('tiled', GEMM_MODE.sumSplits),
    (w) => GemmParams.write(w, { ...GemmParams.zero(), M: g.cSize, K: splits, total: sums, off_c: g.offC, split_stride: g.cSize }),
    [tmp, tmp, tmp, g.c],
    dev.grid(sums),
  );
  dev.release(tmp);
}
