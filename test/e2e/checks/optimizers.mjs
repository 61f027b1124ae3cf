// Optimizer race. The default run (Rosenbrock from (-1.5, 2), 600 steps) must bring Adam close to the
// minimum (1, 1) (≈ 0.05 away with the page's defaults, in float64 and on the GPU alike) and move every
// racer. Then, through the page's controls, the saddle x² − y² + y⁴/4 from (−1, 0): without noise, SGD
// converges to the saddle point (the gradient's y-component is exactly 0 on y = 0); with noise σ = 0.3
// it leaves it for one of the minima (0, ±√2), f = −1.
const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);

async function raceWith(page, run, set, arg) {
  await page.evaluate(set, arg);
  await page.waitForFunction((n) => (window.__demo.result?.last?.run ?? 0) >= n || window.__demo.status === 'error', { timeout: 60_000, polling: 250 }, run);
  const r = await page.evaluate(() => window.__demo);
  if (r.status === 'error') throw new Error(`the page failed: ${r.error}`);
  return r.result;
}

export default {
  query: '?quick',
  timeoutMs: 120_000,
  async check(result, page) {
    const ros = result.rosenbrock;
    if (!ros || ros.surface !== 'rosenbrock' || ros.racers?.length !== 6) throw new Error('no Rosenbrock race with six racers was reported');
    for (const r of ros.racers) {
      if (!r.final.every(Number.isFinite)) throw new Error(`${r.key} ended at a non-finite position ${r.final}`);
      if (!(dist(r.final, ros.start) > 0.1)) throw new Error(`${r.key} barely moved: ${r.final} from ${ros.start}`);
      if (r.points !== ros.steps + 1) throw new Error(`${r.key} drew ${r.points} points for ${ros.steps} steps`);
    }
    const adam = ros.racers.find((r) => r.key === 'adam');
    const dAdam = dist(adam.final, [1, 1]);
    if (!(dAdam < 0.12)) throw new Error(`Adam ended ${dAdam.toFixed(3)} from (1, 1), at ${adam.final}`);
    const sgd0 = ros.racers.find((r) => r.key === 'sgd');
    if (!(dist(sgd0.final, [1, 1]) > dAdam)) throw new Error('SGD beat Adam on Rosenbrock with the default lrs: the race shows nothing');

    const run1 = ros.run;
    const live1 = result.liveBuffers;
    const still = await raceWith(page, run1 + 1, () => {
      const noise = document.getElementById('noise');
      noise.value = '0';
      noise.dispatchEvent(new Event('input'));
      const s = document.getElementById('surface');
      s.value = 'saddle';
      s.dispatchEvent(new Event('change'));
    });
    const a = still.last;
    if (a.surface !== 'saddle' || a.noise !== 0 || a.start[0] !== -1 || a.start[1] !== 0) throw new Error(`expected a noise-free saddle race from (-1, 0), got ${JSON.stringify(a).slice(0, 300)}`);
    const gd = a.racers.find((r) => r.key === 'sgd');
    if (!(dist(gd.final, [0, 0]) < 0.05 && Math.abs(gd.final[1]) < 1e-6)) throw new Error(`noise-free GD should stall at the saddle (0, 0), ended at ${gd.final}`);

    const noisy = await raceWith(page, run1 + 2, () => {
      const noise = document.getElementById('noise');
      noise.value = '0.3';
      noise.dispatchEvent(new Event('input'));
      noise.dispatchEvent(new Event('change'));
    });
    const b = noisy.last;
    if (b.surface !== 'saddle' || !(b.noise > 0.25)) throw new Error(`expected a noisy saddle race, got surface ${b.surface}, noise ${b.noise}`);
    const sgd = b.racers.find((r) => r.key === 'sgd');
    if (!(Math.abs(sgd.final[1]) > 1 && sgd.f < -0.9)) throw new Error(`noisy SGD should leave the saddle for a minimum (0, ±1.41), f ≈ −1; ended at ${sgd.final}, f ${sgd.f}`);
    if (noisy.liveBuffers !== live1) throw new Error(`live GPU buffers grew from ${live1} to ${noisy.liveBuffers} over three races`);
    return `Rosenbrock: Adam ${dAdam.toFixed(3)} from (1, 1), SGD ${dist(sgd0.final, [1, 1]).toFixed(2)}; saddle: GD stuck at (${gd.final.map((v) => v.toFixed(3))}), noisy SGD at (${sgd.final.map((v) => v.toFixed(2))}), f ${sgd.f.toFixed(3)}; ${ros.seconds} s for 600 steps`;
  },
};
