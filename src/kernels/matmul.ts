// Matrix products: the front end over strided views. Transposes, slices and broadcast batches are read in
// place; batch dimensions merge where the layout allows (a right operand shared by the whole batch folds
// the batch into M), products with few rows or columns (the profile's gemvRows) take the GEMV mode (few
// columns as the transposed problem), and batches past what the kernels index become one GEMM per leading index. Each GEMM then
// runs through gemm() (gemm.ts), which picks the kernel from the device profile and splits K.
import { fail, shapeStr, type Device } from '../device/index.ts';
import { gemm } from './gemm.ts';
import { GEMM_MODE, GEMV_REG_ROWS, GEMV_TILED_ROWS, MAX_BATCH } from './gemm-kernels.ts';
import { profileOf } from './profile.ts';
import { coalesce, numel, type View } from './view.ts';

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
  // The GEMV crossover is the profile's (measured per plan), within the rows its kernel holds.
  const prof = profileOf(dev);
  const gemvRows = Math.min(prof.gemvRows, prof.matmul === 'tiled' ? GEMV_TILED_ROWS : GEMV_REG_ROWS);
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
    // Few rows: each loaded B element serves them all. Few columns is the transposed problem
    // C^T = B^T A^T, which swaps the operands' roles and strides. `rows` rows (or columns) from the offsets;
    // cSize is the output's extent from offC, which a split-K sum pass writes whole, or null when the
    // pass's output is not dense there (a column block), which turns split-K off.
    function gemvPass(t: boolean, rows: number, offA: number, offB: number, offC: number, offBias: number, cSize: number | null): void {
      const n = t ? M2 : N;
      const mat = t ? { off: offA, sk: sak, sn: sam, bs: ba } : { off: offB, sk: sbk, sn: sbnn, bs: bb };
      const kfast = mat.sk === 1 && mat.sn !== 1;
      gemm(dev, {
        ...base,
        cSize: cSize ?? base.cSize,
        noSplitK: cSize === null,
        offBias,
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
    }
    const small = Math.min(M2, N);
    // A few more rows (or columns) than GEMV holds: one GEMV pass per gemvRows of them (the profile's
    // gemvChunks), unbatched only. A block of rows of a contiguous C is itself contiguous, so its pass
    // may split K (the sum pass writes the block whole); a block of columns is not, so it does not.
    const t = N < M2;
    const chunked = small > gemvRows && gemvRows > 0 && small <= gemvRows * prof.gemvChunks && K * Math.max(M2, N) >= prof.gemvChunkMinWork && !lead.length;
    if (chunked) {
      const rowsDense = !t && scn === 1 && scm === N;
      for (let s0 = 0; s0 < small; s0 += gemvRows) {
        const part = Math.min(gemvRows, small - s0);
        if (t) gemvPass(true, part, offA, offB + s0 * sbnn, offC + s0 * scn, offBias + s0 * sbn, null);
        else gemvPass(false, part, offA + s0 * sam, offB, offC + s0 * scm, offBias + s0 * sbiasM, rowsDense ? part * N : null);
      }
      return;
    }
    if (small <= gemvRows) {
      gemvPass(t, small, offA, offB, offC, offBias, base.cSize);
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
