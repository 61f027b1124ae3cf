// Convolution: the page's Laplace, Sobel and |∇| outputs equal a 3×3 zero-padded cross-correlation
// computed here on the CPU; setting the editable kernel to the identity (typing into its inputs)
// gives back the digit; the small CNN reaches >= 85% test accuracy in the quick run.
const LAPLACE = [0, 1, 0, 1, -4, 1, 0, 1, 0];
const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
const IDENTITY = [0, 0, 0, 0, 1, 0, 0, 0, 0];

function correlate(x, k) {
  const out = new Float64Array(784);
  for (let r = 0; r < 28; r++)
    for (let c = 0; c < 28; c++) {
      let s = 0;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr >= 0 && rr < 28 && cc >= 0 && cc < 28) s += k[(dr + 1) * 3 + dc + 1] * x[rr * 28 + cc];
        }
      out[r * 28 + c] = s;
    }
  return out;
}

function compare(name, got, want, tol = 1e-4) {
  if (!got || got.length !== 784) throw new Error(`${name}: the page exposes ${got?.length} values, expected 784`);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < 784; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) (worst = e), (at = i);
  }
  if (!(worst <= tol)) throw new Error(`${name}: pixel (${Math.floor(at / 28)}, ${at % 28}) is ${got[at]}, the CPU correlation gives ${want[at]} (|error| ${worst})`);
  return worst;
}

export default {
  query: '?quick',
  timeoutMs: 150_000,
  async check(r, page) {
    const s = await page.evaluate(() => window.__conv);
    const x = s.input;
    if (x.length !== 784 || !(Math.max(...x) > 0.5)) throw new Error('the page does not expose a 28×28 digit with ink');
    const lap = correlate(x, LAPLACE);
    const gx = correlate(x, SOBEL_X);
    const gy = correlate(x, SOBEL_Y);
    compare('Laplace', s.laplace, lap);
    compare('Sobel x', s.sobelX, gx);
    compare('Sobel y', s.sobelY, gy);
    compare('|∇|', s.magnitude, gx.map((v, i) => Math.hypot(v, gy[i])));
    // The reported stats: the sum is 0 (the kernel sums to 0 and MNIST's border is blank), and the pixels.
    const sum = lap.reduce((a, b) => a + b, 0);
    if (!(Math.abs(r.laplace.sum - sum) < 1e-3 && Math.abs(sum) < 1e-3)) throw new Error(`Laplace sum ${r.laplace.sum}, CPU ${sum}, expected ≈ 0`);
    for (const p of r.laplace.at) if (!(Math.abs(p.value - lap[p.row * 28 + p.col]) < 1e-4)) throw new Error(`Laplace at (${p.row}, ${p.col}) reported ${p.value}, CPU ${lap[p.row * 28 + p.col]}`);
    if (!(r.laplace.min < -0.5 && r.laplace.max > 0.5)) throw new Error(`Laplace range ${r.laplace.min}..${r.laplace.max} looks flat`);
    // The default kernel (sharpen) is applied as well.
    compare('custom (default kernel)', s.custom, correlate(x, s.kernel));

    // Identity through the inputs: type each of the nine numbers (18 edits, each a conv2d and a read).
    const live0 = r.liveBuffers;
    for (let i = 0; i < 9; i++) {
      await page.click(`#k${i}`, { clickCount: 3 });
      await page.keyboard.press('Backspace');
      await page.type(`#k${i}`, String(IDENTITY[i]));
    }
    await page.waitForFunction((id) => window.__conv.kernel.join() === id.join() && !window.__conv.busy, { timeout: 20_000, polling: 200 }, IDENTITY);
    await new Promise((res) => setTimeout(res, 500));
    const after = await page.evaluate(() => window.__conv);
    if (after.kernel.join() !== IDENTITY.join()) throw new Error(`kernel after typing is ${after.kernel}`);
    compare('identity kernel', after.custom, x, 1e-6);
    if (after.liveBuffers !== live0) throw new Error(`live GPU buffers went from ${live0} to ${after.liveBuffers} over the kernel edits`);

    if (r.filters !== 8 || r.filterShape?.join() !== '8,1,5,5') throw new Error(`expected 8 first-layer 5×5 filters, got ${r.filters} ${r.filterShape}`);
    if (!(r.accuracy >= 0.85)) throw new Error(`CNN test accuracy ${r.accuracy} is below 0.85 after ${r.samples} samples`);
    return `Laplace/Sobel/|∇| match the CPU correlation (≤ 1e-4), Laplace sum ${r.laplace.sum.toFixed(5)}; identity kernel returns the digit; CNN ${(100 * r.accuracy).toFixed(1)}% after ${r.samples} samples in ${r.trainSeconds.toFixed(0)} s (load ${r.loadSeconds.toFixed(0)} s, eval ${r.evalSeconds.toFixed(0)} s)`;
  },
};
