// Computational graph: the lecture's y = (a + 2b)(2b + c) at (1, 2, 3) is 35, and stepping the
// engine's backward pass with the page's button reaches 7, 24, 5; editing a and typing a second
// expression rebuild the graph with the right gradients; nothing stays allocated between builds.
const close = (x, want, tol = 1e-4) => Math.abs(x - want) <= tol * Math.max(1, Math.abs(want));

async function readGrads(page) {
  return page.$$eval(['#y', '#grad-a', '#grad-b', '#grad-c'].join(','), (els) => els.map((e) => ({ text: e.textContent.trim(), value: e.dataset.value === undefined ? null : Number(e.dataset.value) })));
}

/** Clicks "Step backward" until the page says the pass is finished; returns the number of clicks. */
async function stepAll(page, expected) {
  let clicks = 0;
  while (await page.$eval('#step', (b) => !b.disabled)) {
    const before = await page.$eval('#steps-body', (b) => b.children.length);
    await page.click('#step');
    clicks++;
    await page.waitForFunction((n) => document.querySelector('#steps-body').children.length === n, { timeout: 5000 }, before + 1);
    if (clicks > 100) throw new Error('the step button never became disabled');
  }
  if (clicks !== expected) throw new Error(`stepping took ${clicks} clicks, but the page recorded ${expected} backward steps`);
  if ((await page.$eval('#progress', (e) => e.dataset.done)) !== 'true') throw new Error('the page does not say the backward pass is finished');
  return clicks;
}

async function setInput(page, sel, text) {
  await page.click(sel, { clickCount: 3 });
  await page.keyboard.press('Backspace');
  await page.type(sel, text);
}

const waitFor = (page, fn, arg) => page.waitForFunction(fn, { timeout: 20_000, polling: 100 }, arg);

export default {
  query: '?quick',
  timeoutMs: 60_000,
  canvases: false,
  async check(r, page) {
    if (r.y !== 35) throw new Error(`forward y = ${r.y}, expected 35`);
    if (r.nodes !== 8) throw new Error(`the graph has ${r.nodes} nodes, expected 8 (a, b, c, two 2b, two sums, the product)`);
    if (r.grads?.a !== 7 || r.grads?.b !== 24 || r.grads?.c !== 5) throw new Error(`engine gradients ${JSON.stringify(r.grads)}, expected a 7, b 24, c 5`);
    if (r.order?.[0] !== 'mul') throw new Error(`the backward pass should start at the root product, got ${r.order}`);
    const svgNodes = await page.$$eval('#graph g.node', (g) => g.length);
    if (svgNodes !== r.nodes) throw new Error(`the SVG draws ${svgNodes} nodes, the graph has ${r.nodes}`);
    const live0 = await page.$eval('#live', (e) => Number(e.dataset.value));

    // Before stepping the gradients are not shown.
    const before = await readGrads(page);
    if (before[1].value !== null) throw new Error(`∂y/∂a is shown before any step: ${before[1].text}`);
    const n1 = await stepAll(page, r.steps);
    const [y, ga, gb, gc] = await readGrads(page);
    if (y.text !== '35' || ga.text !== '7' || gb.text !== '24' || gc.text !== '5') throw new Error(`after stepping the page shows y ${y.text}, ∂a ${ga.text}, ∂b ${gb.text}, ∂c ${gc.text}; expected 35, 7, 24, 5`);

    // a = 2: y = (2 + 4)(4 + 3) = 42, ∂a = 2b + c = 7, ∂b = 2(2b + c) + 2(a + 2b) = 26, ∂c = a + 2b = 6.
    await setInput(page, '#a', '2');
    await waitFor(page, () => document.querySelector('#y').dataset.value === '42' && document.querySelector('#steps-body').children.length === 0);
    await stepAll(page, 8);
    const e = (await readGrads(page)).map((g) => g.value);
    if (!(e[1] === 7 && e[2] === 26 && e[3] === 6)) throw new Error(`with a = 2: gradients ${e.slice(1)}, expected 7, 26, 6`);

    // A second expression: tanh(a*b) + exp(c) at (2, 2, 3) records a, b, c, mul, tanh, exp, add.
    await setInput(page, '#expr', 'tanh(a*b) + exp(c)');
    await page.keyboard.press('Enter');
    await waitFor(page, () => document.querySelector('#counts').dataset.nodes === '7');
    const steps2 = await page.$eval('#counts', (el) => Number(el.dataset.steps));
    await stepAll(page, steps2);
    const [y2, a2, b2, c2] = (await readGrads(page)).map((g) => g.value);
    const sech2 = 1 - Math.tanh(4) ** 2;
    if (!close(y2, Math.tanh(4) + Math.exp(3))) throw new Error(`tanh(4) + exp(3) shown as ${y2}`);
    if (!close(c2, Math.exp(3)) || !close(a2, 2 * sech2) || !close(b2, 2 * sech2)) throw new Error(`gradients of tanh(ab) + e^c: ${a2}, ${b2}, ${c2}; expected ${2 * sech2}, ${2 * sech2}, ${Math.exp(3)}`);

    // A bad expression is reported on the page and leaves the graph alone.
    await setInput(page, '#expr', 'a + * b');
    await page.keyboard.press('Enter');
    await waitFor(page, () => /Cannot build/.test(document.querySelector('#expr-error').textContent));
    if ((await page.$eval('#counts', (el) => el.dataset.nodes)) !== '7') throw new Error('a bad expression replaced the graph');

    // Back to the lecture through its example button, a = 1, and "Run to the end" (the screenshot shows this).
    await page.click('.examples button[data-expr="(a + 2b)(2b + c)"]');
    await setInput(page, '#a', '1');
    await waitFor(page, () => document.querySelector('#y').dataset.value === '35' && document.querySelector('#counts').dataset.nodes === '8');
    await page.click('#all');
    await waitFor(page, () => document.querySelector('#progress').dataset.done === 'true');
    const last = (await readGrads(page)).map((g) => g.text);
    if (last.join() !== '35,7,24,5') throw new Error(`"Run to the end" shows ${last}, expected 35, 7, 24, 5`);

    const live1 = await page.$eval('#live', (e) => Number(e.dataset.value));
    if (live1 !== live0) throw new Error(`live GPU buffers went from ${live0} to ${live1} over five builds`);
    return `y = 35, stepped ${n1} nodes to ∂a 7, ∂b 24, ∂c 5; a = 2 → 7, 26, 6; tanh(ab) + e^c: 7 nodes, ∂c = ${c2.toFixed(4)}; live buffers flat (${live0})`;
  },
};
