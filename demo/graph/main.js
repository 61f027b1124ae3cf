// Builds y from the typed expression with webgrad ops, reads its recorded graph (wg.graph) and the
// engine's backward pass (wg.backwardSteps), then lets the user step through that pass. Each build
// reads back twice (every forward value in one stacked tensor, every step gradient in another) and
// frees every tensor it made, so the live buffer count stays flat however often one edits.
import { $, done, start, status } from '../lib/page.js';
import { nextFrame } from '../lib/loop.js';
import { ParseError, VARIABLES, evaluate, parse } from './parse.js';
import { drawGraph, fmt } from './draw.js';

let view = null; // {nodes, values, labels, steps, k, used, y}

async function build(wg, src, vals) {
  const ast = parse(src);
  const leaves = Object.fromEntries(VARIABLES.map((v) => [v, wg.tensor(vals[v], { requiresGrad: true })]));
  const owned = [...Object.values(leaves)];
  try {
    const { value: y, made, used } = evaluate(wg, ast, leaves);
    owned.push(...made.map((m) => m.tensor));
    if (typeof y === 'number') throw new ParseError('the expression uses none of a, b, c, so no graph is recorded');
    // Name every tensor the page made, so each graph node can show its forward value and its text.
    const names = {};
    const text = {};
    for (const v of used) (names[v] = leaves[v]), (text[v] = v);
    made.forEach((m, i) => ((names[`t${i}`] = m.tensor), (text[`t${i}`] = m.text)));
    const nodes = wg.graph(y, { names });
    const steps = wg.backwardSteps(y, { names });
    owned.push(...steps.map((s) => s.grad));
    const named = Object.entries(names);
    const valuesT = wg.noGrad(() => wg.stack(named.map(([, t]) => t)));
    const gradsT = wg.stack(steps.map((s) => s.grad));
    owned.push(valuesT, gradsT);
    const [valueData, gradData] = await Promise.all([valuesT.data(), gradsT.data()]);
    const idOf = new Map(nodes.filter((n) => n.name).map((n) => [n.name, n.id]));
    const values = new Map(named.map(([name], i) => [idOf.get(name), valueData[i]]));
    const labels = new Map(named.map(([name]) => [idOf.get(name), text[name]]));
    return {
      nodes,
      values,
      labels,
      steps: steps.map((s, i) => ({ id: s.id, op: s.op, isLeaf: s.isLeaf, name: s.name, grad: gradData[i] })),
      used,
      y: values.get(nodes[nodes.length - 1].id),
      k: 0,
    };
  } finally {
    owned.forEach((t) => t.dispose());
  }
}

function render(wg) {
  const { nodes, values, labels, steps, k, used } = view;
  const grads = new Map(steps.slice(0, k).map((s) => [s.id, s.grad]));
  const current = k ? steps[k - 1].id : null;
  drawGraph($('graph'), nodes, { values, labels, grads, current });
  $('y').textContent = fmt(view.y);
  $('y').dataset.value = String(view.y);
  for (const v of VARIABLES) {
    const cell = $(`grad-${v}`);
    const id = nodes.find((n) => n.name === v)?.id;
    if (!used.includes(v)) {
      cell.textContent = 'not in y';
      cell.dataset.value = '0';
    } else if (grads.has(id)) {
      cell.textContent = fmt(grads.get(id));
      cell.dataset.value = String(grads.get(id));
    } else {
      cell.textContent = '–';
      delete cell.dataset.value;
    }
  }
  $('counts').textContent = `${nodes.length} nodes (${nodes.filter((n) => n.isLeaf).length} leaves), ${steps.length} backward steps`;
  $('counts').dataset.nodes = String(nodes.length);
  $('counts').dataset.steps = String(steps.length);
  $('progress').textContent = `step ${k} of ${steps.length}`;
  $('progress').dataset.done = String(k === steps.length);
  $('step').disabled = k === steps.length;
  $('all').disabled = k === steps.length;
  $('reset').disabled = k === 0;
  const body = $('steps-body');
  body.replaceChildren(
    ...steps.slice(0, k).map((s, i) => {
      const tr = document.createElement('tr');
      const label = labels.get(s.id) ?? s.op;
      for (const t of [String(i + 1), s.isLeaf ? `${label} (leaf total)` : `${label}  [${s.op}]`, fmt(s.grad)]) tr.append(Object.assign(document.createElement('td'), { textContent: t }));
      return tr;
    }),
  );
  if (!k) $('stepinfo').textContent = 'Forward pass done: every node shows its value. Press Step backward to start at y, where ∂y/∂y = 1.';
  else {
    const s = steps[k - 1];
    const label = labels.get(s.id) ?? s.op;
    $('stepinfo').textContent = s.isLeaf
      ? `Step ${k}: leaf ${label} has collected everything its users sent back: ∂y/∂${label} = ${fmt(s.grad)} (y.backward() writes this to ${label}.grad).`
      : `Step ${k}: the engine runs the backward rule of ${s.op} for ${label}, which received ∂y/∂(${label}) = ${fmt(s.grad)}, and sends gradients on to its inputs.`;
  }
  $('live').textContent = String(wg.stats().liveBuffers);
  $('live').dataset.value = String(wg.stats().liveBuffers);
}

start(async ({ wg }) => {
  let running = null;
  let animating = 0;
  const readVals = () => Object.fromEntries(VARIABLES.map((v) => [v, $(v).valueAsNumber]));
  // Builds run one at a time; an edit during a build is picked up when it ends.
  let wanted = null;
  async function rebuild() {
    wanted = { src: $('expr').value, vals: readVals() };
    if (running) return running;
    running = (async () => {
      while (wanted) {
        const { src, vals } = wanted;
        wanted = null;
        if (VARIABLES.some((v) => !Number.isFinite(vals[v]))) {
          $('expr-error').textContent = 'a, b and c must be numbers.';
          continue;
        }
        try {
          const next = await build(wg, src, vals);
          animating++;
          view = next;
          $('expr-error').textContent = '';
          render(wg);
          status(`y = ${fmt(view.y)}: ${view.nodes.length} nodes and ${view.steps.length} backward steps, recorded by webgrad.`);
        } catch (e) {
          if (!(e instanceof ParseError) && e?.name !== 'WebGradError') throw e;
          $('expr-error').textContent = `Cannot build the graph: ${e.message}`;
        }
      }
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  }
  const step = () => {
    if (view && view.k < view.steps.length) view.k++, render(wg);
  };
  $('step').addEventListener('click', () => {
    animating++;
    step();
  });
  $('reset').addEventListener('click', () => {
    animating++;
    view.k = 0;
    render(wg);
  });
  $('all').addEventListener('click', async () => {
    const me = ++animating;
    while (animating === me && view.k < view.steps.length) {
      step();
      await new Promise((r) => setTimeout(r, 350));
      await nextFrame();
    }
  });
  let timer = 0;
  for (const v of VARIABLES) $(v).addEventListener('input', () => (clearTimeout(timer), (timer = setTimeout(rebuild, 150))));
  $('show').addEventListener('click', rebuild);
  $('expr').addEventListener('keydown', (e) => e.key === 'Enter' && rebuild());
  for (const b of document.querySelectorAll('.examples button'))
    b.addEventListener('click', () => {
      $('expr').value = b.dataset.expr;
      rebuild();
    });

  await rebuild();
  const grads = Object.fromEntries(view.steps.filter((s) => s.isLeaf).map((s) => [s.name, s.grad]));
  done({ y: view.y, nodes: view.nodes.length, steps: view.steps.length, order: view.steps.map((s) => s.op), grads, liveBuffers: wg.stats().liveBuffers });
});
