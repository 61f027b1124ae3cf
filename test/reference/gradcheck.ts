// Gradient check: the GPU's analytic gradient (float32, through autograd) against central finite
// differences of the float64 CPU reference. A random cotangent w makes every output element count:
// we compare d(sum(w * f(x)))/dx. Default tolerance rtol = 2e-3, atol = 2e-4 (float32 forward and
// backward against exact float64 differences with h = 1e-6).
import * as wg from '../../src/index.ts';
import { compare, randomRef, type Ref, type Tolerance } from './index.ts';

export interface GradcheckOptions extends Tolerance {
  seed?: number;
  h?: number;
  /** Which inputs to check (default: all). */
  wrt?: number[];
  /** Makes GPU inputs from refs (default: wg.tensor with requiresGrad); lets tests pass non-contiguous views. */
  makeInput?: (r: Ref, i: number) => wg.Tensor;
}

export async function gradcheck(
  gpu: (...xs: wg.Tensor[]) => wg.Tensor,
  cpu: (...xs: Ref[]) => Ref,
  inputs: Ref[],
  opts: GradcheckOptions = {},
): Promise<void> {
  const h = opts.h ?? 1e-6;
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const y0 = cpu(...inputs);
  const w = randomRef(y0.shape, (opts.seed ?? 7) + 1000, -1, 1);
  const dot = (r: Ref) => r.data.reduce((s, v, i) => s + v * w.data[i]!, 0);
  await wg.scope(async () => {
    const leaves = inputs.map((r, i) => {
      const base = wg.tensor(Float32Array.from(r.data), { shape: r.shape, requiresGrad: wrt.includes(i) });
      return base;
    });
    const xs = leaves.map((l, i) => (opts.makeInput ? opts.makeInput(inputs[i]!, i).requiresGrad_(wrt.includes(i)) : l));
    const y = gpu(...xs);
    const wt = wg.tensor(Float32Array.from(w.data), { shape: w.shape });
    y.mul(wt).sum().backward();
    for (const i of wrt) {
      const got = await xs[i]!.grad!.data();
      const want = new Float64Array(inputs[i]!.data.length);
      for (let j = 0; j < want.length; j++) {
        const plus = inputs.map((r, k) => (k === i ? { ...r, data: r.data.map((v, m) => (m === j ? v + h : v)) } : r));
        const minus = inputs.map((r, k) => (k === i ? { ...r, data: r.data.map((v, m) => (m === j ? v - h : v)) } : r));
        want[j] = (dot(cpu(...plus)) - dot(cpu(...minus))) / (2 * h);
      }
      const msg = compare(got, want, { rtol: opts.rtol ?? 2e-3, atol: opts.atol ?? 2e-4 });
      if (msg) throw new Error(`gradient of input ${i}: ${msg}`);
    }
  });
}
