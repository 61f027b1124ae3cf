// Universal approximation. The default run fits sin(4πx) (two periods, unit amplitude, variance 0.5)
// with 16 sigmoid units: its MSE must fall below 0.005, 1% of the target's variance (the page reaches
// ≈ 2e-4 in 600 steps). Then the width slider goes to 1 and the page retrains: one sigmoid is one
// monotone step and cannot follow two periods (MSE ≈ 0.37), so its MSE must be clearly larger.
// Last, a stroke drawn with the mouse becomes the target and is fitted.
async function rerun(page, run, set, arg) {
  await page.evaluate(set, arg);
  await page.waitForFunction((n) => (window.__demo.result?.last?.run ?? 0) >= n || window.__demo.status === 'error', { timeout: 90_000, polling: 250 }, run);
  const r = await page.evaluate(() => window.__demo);
  if (r.status === 'error') throw new Error(`the page failed: ${r.error}`);
  return r.result.last;
}

export default {
  query: '?quick',
  timeoutMs: 120_000,
  async check(result, page) {
    const a = result.default;
    if (!a || a.target !== 'sine' || a.width !== 16) throw new Error(`expected the default sine fit with width 16, got ${JSON.stringify(a)}`);
    if (!(a.mse < 0.005)) throw new Error(`width 16 fits the sine with MSE ${a.mse}, not below 0.005`);
    const one = await rerun(page, a.run + 1, () => {
      const w = document.getElementById('width');
      w.value = '1';
      w.dispatchEvent(new Event('input'));
      w.dispatchEvent(new Event('change'));
    });
    if (one.width !== 1 || one.target !== 'sine') throw new Error(`expected a width-1 sine fit, got ${JSON.stringify(one)}`);
    if (!(one.mse > 0.1 && one.mse > 20 * a.mse)) throw new Error(`width 1 reached MSE ${one.mse} against ${a.mse} for width 16: not clearly worse`);
    const rows = await page.$$eval('#runs tbody tr', (trs) => trs.length);
    if (rows !== 2) throw new Error(`the runs table has ${rows} rows after two runs`);
    // Draw a straight stroke from (0, −0.5) to (1, 0.5) with the mouse: the target becomes that line,
    // which even one unit fits closely (the middle of a sigmoid is nearly straight).
    const box = await page.$eval('#pad', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, sx: r.width / c.width, sy: r.height / c.height, w: c.width, h: c.height }; });
    const at = (x, y) => [box.x + (44 + x * (box.w - 56)) * box.sx, box.y + (10 + ((1.6 - y) / 3.2) * (box.h - 44)) * box.sy];
    await page.mouse.move(...at(-0.02, -0.52));
    await page.mouse.down();
    await page.mouse.move(...at(1.02, 0.52), { steps: 25 });
    await page.mouse.up();
    await page.waitForFunction((n) => (window.__demo.result?.last?.run ?? 0) >= n || window.__demo.status === 'error', { timeout: 90_000, polling: 250 }, one.run + 1);
    const drawn = (await page.evaluate(() => window.__demo.result)).last;
    if (drawn.target !== 'drawn' || !(drawn.mse < 0.01)) throw new Error(`after drawing a line from (0, −0.5) to (1, 0.5) with width 1, expected a drawn target fitted to MSE < 0.01, got ${JSON.stringify(drawn)}`);
    if (drawn.liveBuffers !== a.liveBuffers) throw new Error(`live GPU buffers went from ${a.liveBuffers} to ${drawn.liveBuffers} over three runs`);
    return `MSE ${a.mse.toExponential(2)} with 16 units (${a.steps} steps, ${a.seconds} s), ${one.mse.toExponential(2)} with 1; a drawn line: ${drawn.mse.toExponential(2)}`;
  },
};
