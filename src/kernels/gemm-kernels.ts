// The GEMM kernels and the choice among them. All four (shaders/matmul.wgsl, matmul_reg.wgsl,
// matmul_sg.wgsl, matmul_gemv.wgsl) include matmul_common.wgsl and share one uniform layout, GemmParams, so one writer
// (gemm.ts) serves them. The profile (profile.ts) names the plain-product kernel; conv2d forward and its
// input and weight gradients have register variants (no subgroup ones), taken wherever plain products
// leave the tiled kernel (LeNet's second conv on SwiftShader: dx 0.76 s against 11.6 s tiled, dw 0.17 s
// against 3.9 s), and so has GEMV (matmul_gemv.wgsl, barrier-free); the split-K sum stays tiled.
import type { KernelSpec } from '../device/index.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';

/** The plain-product kernel: shared-memory tiles, register blocks, or register blocks sharing A by subgroup. */
export type MatmulVariant = 'tiled' | 'registers' | 'subgroups';

export const GEMM_MODE = { matmul: 0, convForward: 1, convInput: 2, convWeight: 3, gemv: 4, sumSplits: 5 } as const;
export type GemmMode = (typeof GEMM_MODE)[keyof typeof GEMM_MODE];
const NAMES = ['matmul', 'conv2d', 'conv2d:dx', 'conv2d:dw', 'matmul:gemv', 'matmul:splitk'];
/** Output tile edge of every GEMM kernel: tile counts, and so split-K, are shared. */
export const TILE = 64;
/** Output columns one workgroup of the register GEMV kernel covers (64 invocations of 8). */
export const GEMV_REG_COLS = 512;
/** The most rows the register GEMV kernel keeps in registers, and the tiled one (a vec4 per lane). */
export const GEMV_REG_ROWS = 8;
export const GEMV_TILED_ROWS = 4;
/** Batch dimensions the kernels index (after merging). */
export const MAX_BATCH = 4;

/** Tile loading order (A along k, else m; B along n, else k) and whether a bias is added. */
export const GEMM_FLAGS = { aKfast: 1, bNfast: 2, bias: 4 } as const;

export const GemmParams = params(
  'Gemm',
  {
    M: 'u32',
    N: 'u32',
    K: 'u32',
    kchunk: 'u32',
    tiles_n: 'u32',
    tiles_m: 'u32',
    nbatch: 'u32',
    total: 'u32',
    off_a: 'u32',
    off_b: 'u32',
    off_c: 'u32',
    off_bias: 'u32',
    sam: 'u32',
    sak: 'u32',
    sbk: 'u32',
    sbn: 'u32',
    scm: 'u32',
    scn: 'u32',
    sbias_m: 'u32',
    sbias_n: 'u32',
    flags: 'u32',
    nbd: 'u32',
    split_stride: 'u32',
    gv_nt: 'u32',
    // Up to MAX_BATCH batch dimensions (after merging), and each operand's stride along them.
    bshape: 'vec4<u32>',
    bsa: 'vec4<u32>',
    bsb: 'vec4<u32>',
    bsc: 'vec4<u32>',
    bsbias: 'vec4<u32>',
    // Conv geometry: H, W, KW, KH*KW of the input and kernel; OH, OW, dilation h, w; stride h, w,
    // padding h, w; then the element strides (n, c, h, w) of x and of dY.
    cv_a: 'vec4<u32>',
    cv_b: 'vec4<i32>',
    cv_sp: 'vec4<i32>',
    xs: 'vec4<u32>',
    gs: 'vec4<u32>',
  },
  GEMM_FLAGS,
);

const tiledSpec = (mode: GemmMode) =>
  cachedSpec(`matmul|${mode}`, () => ({ name: NAMES[mode]!, source: render('matmul', GemmParams, { MODE: `${mode}` }), reads: 3, writes: 1 }));

// matmul_reg.wgsl serves plain products (MODE 0) and conv2d forward and gradients (MODES 1-3).
const regSpec = (mode: 0 | 1 | 2 | 3) =>
  cachedSpec(`matmul|reg|${mode}`, () => ({ name: NAMES[mode]!, source: render('matmul_reg', GemmParams, { MODE: `${mode}` }), reads: 3, writes: 1 }));

// matmul_gemv.wgsl: a pipeline per row count (1 to GEMV_REG_ROWS), the unused rows compiled out.
const gemvRegSpec = (rows: number) =>
  cachedSpec(`matmul|gemv-reg|${rows}`, () => ({ name: NAMES[GEMM_MODE.gemv]!, source: render('matmul_gemv', GemmParams, { ROWS: `${rows}` }), reads: 3, writes: 1 }));

// `enable` must precede every declaration, so it goes before the constants and prelude render() prepends.
export const subgroupSpec = (): KernelSpec =>
  cachedSpec('matmul|sg', () => ({ name: 'matmul', source: `enable subgroups;\n${render('matmul_sg', GemmParams, {})}`, reads: 3, writes: 1 }));

const isConv = (mode: GemmMode): boolean => mode === GEMM_MODE.convForward || mode === GEMM_MODE.convInput || mode === GEMM_MODE.convWeight;

/** The kernel family `mode` runs on when the profile names `matmul` for plain products. */
export function gemmKernel(matmul: MatmulVariant, mode: GemmMode): MatmulVariant {
  if (mode === GEMM_MODE.matmul) return matmul;
  return (isConv(mode) || mode === GEMM_MODE.gemv) && matmul !== 'tiled' ? 'registers' : 'tiled';
}

/** `rows`: GEMV's row count (M), which the register GEMV kernel is compiled for. */
export function gemmSpec(kernel: MatmulVariant, mode: GemmMode, rows = 1): KernelSpec {
  if (kernel === 'subgroups') return subgroupSpec();
  if (kernel === 'registers') return mode === GEMM_MODE.gemv ? gemvRegSpec(rows) : regSpec(isConv(mode) ? (mode as 1 | 2 | 3) : 0);
  return tiledSpec(mode);
}
