// The graph as SVG, laid out by depth: leaves in the first column, each op one column right of its
// deepest input, so the forward pass reads left to right and the backward pass right to left. Rows
// in a column follow the mean row of the inputs (one barycentre sweep), which keeps edges short.

const NS = 'http://www.w3.org/2000/svg';
const W = 164;
const H = 78;
const COL = 208;
const ROW = 100;
const PAD = 16;

const OP_SYM = { add: '+', sub: '−', mul: '×', div: '/', pow: '^' };

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function fmt(v) {
  if (v === undefined || v === null) return '';
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v - Math.round(v)) < 1e-9 * Math.max(1, Math.abs(v)) && Math.abs(v) < 1e7) return String(Math.round(v));
  return String(Number(v.toPrecision(5)));
}

function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Columns and rows for each node: {col, row, x, y} by id, plus the drawing size. */
export function layout(nodes) {
  const col = [];
  for (const n of nodes) col[n.id] = n.inputs.length ? 1 + Math.max(...n.inputs.map((i) => col[i])) : 0;
  const ncols = Math.max(...col) + 1;
  const columns = Array.from({ length: ncols }, () => []);
  const leafOrder = (n) => (n.name ? n.name.charCodeAt(0) : 1000 + n.id);
  for (const n of nodes) columns[col[n.id]].push(n);
  columns[0].sort((p, q) => leafOrder(p) - leafOrder(q));
  const rows = Math.max(...columns.map((c) => c.length));
  const pos = [];
  const place = (c) =>
    columns[c].forEach((n, r) => {
      pos[n.id] = { col: c, x: PAD + c * COL, y: PAD + ((rows - columns[c].length) / 2 + r) * ROW };
    });
  place(0);
  for (let c = 1; c < ncols; c++) {
    const mean = (n) => n.inputs.reduce((s, i) => s + pos[i].y, 0) / n.inputs.length;
    columns[c].sort((p, q) => mean(p) - mean(q) || p.id - q.id);
    place(c);
  }
  return { pos, width: 2 * PAD + (ncols - 1) * COL + W, height: 2 * PAD + (rows - 1) * ROW + H };
}

/**
 * Draws `nodes` (wg.graph's list) into the <svg> `svg`. `values` maps id → forward value, `labels`
 * id → text, `grads` id → gradient for the nodes the backward pass has reached, `current` the id of
 * the node of the latest step.
 */
export function drawGraph(svg, nodes, { values, labels, grads, current }) {
  const { pos, width, height } = layout(nodes);
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  const defs = el('defs');
  for (const [id, color] of [['arrow', '#9aa3af'], ['arrow-back', '#e8590c']]) {
    const m = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    m.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
    defs.append(m);
  }
  svg.append(defs);
  // Edges first, under the boxes. An edge turns orange once its user has passed the gradient back.
  for (const n of nodes) {
    n.inputs.forEach((i, k) => {
      const from = pos[i];
      const to = pos[n.id];
      const x0 = from.x + W;
      const y0 = from.y + H / 2;
      const x1 = to.x;
      const y1 = to.y + H / 2 + (n.inputs.length > 1 ? (k - (n.inputs.length - 1) / 2) * 22 : 0);
      // Once the user has run its backward rule, the edge carries a gradient the other way.
      const back = grads.has(n.id);
      const mx = (x0 + x1) / 2;
      const d = back ? `M${x1},${y1} C${mx},${y1} ${mx},${y0} ${x0 + 2},${y0}` : `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1 - 2},${y1}`;
      svg.append(
        el('path', {
          d,
          fill: 'none',
          stroke: back ? '#e8590c' : '#b7bec8',
          'stroke-width': back ? 2.2 : 1.5,
          'stroke-dasharray': back ? '6 3' : 'none',
          'marker-end': `url(#${back ? 'arrow-back' : 'arrow'})`,
        }),
      );
    });
  }
  for (const n of nodes) {
    const { x, y } = pos[n.id];
    const g = el('g', { transform: `translate(${x},${y})`, 'data-id': n.id, class: 'node' });
    const reached = grads.has(n.id);
    const isCurrent = current === n.id;
    const leaf = n.op === 'leaf';
    g.append(
      el('rect', {
        width: W,
        height: H,
        rx: 8,
        fill: isCurrent ? '#fff1e6' : leaf ? '#eef4ff' : n.op === 'input' ? '#f3f3f3' : '#f7f8fa',
        stroke: reached ? '#e8590c' : leaf ? '#1f6feb' : '#8a94a3',
        'stroke-width': isCurrent ? 3 : reached ? 2 : 1.2,
      }),
    );
    const head = leaf ? 'leaf' : n.op === 'input' ? 'input (no grad)' : n.op;
    const s = n.attrs?.scalar;
    const sym = OP_SYM[n.op] ?? n.op;
    const scalar = s === undefined ? '' : n.attrs.reverse ? ` (${fmt(s)} ${sym} x)` : ` (x ${sym} ${fmt(s)})`;
    g.append(el('text', { x: 8, y: 15, class: 'head' }, truncate(head + scalar, 26)));
    g.append(el('text', { x: 8, y: 35, class: leaf ? 'label leaf' : 'label' }, truncate(labels.get(n.id) ?? '', leaf ? 12 : 19)));
    if (values.has(n.id)) g.append(el('text', { x: 8, y: 53, class: 'value' }, `value ${fmt(values.get(n.id))}`));
    if (reached) g.append(el('text', { x: 8, y: 70, class: 'grad' }, `grad ${fmt(grads.get(n.id))}`));
    const title = el('title', {}, `node ${n.id}: ${n.op}${n.name ? ` (${n.name})` : ''}, shape [${n.shape.join(', ')}], inputs [${n.inputs.join(', ')}]`);
    g.append(title);
    svg.append(g);
  }
}
