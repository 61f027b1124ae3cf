// A heat map with axes, a color bar and the training path: demo/lib/canvas.js draws the map and the
// path on an off-screen canvas of the plot area, which is then framed here with ticks and labels.
import { heatmap, path, projector, viridis } from '../lib/canvas.js';

const M = { l: 52, r: 86, t: 12, b: 44 };
const fmt = (v, r) => v.toFixed(r >= 20 ? 0 : r >= 2 ? 1 : 2);

/**
 * values: G×G losses, first row at the top (largest b). range: [aMax, bMax] (the grid spans ±).
 * points: the path in (a, b) coordinates. labels: {x, y}.
 */
export function drawLandscape(canvas, values, G, [ra, rb], points, labels) {
  const W = canvas.width - M.l - M.r;
  const H = canvas.height - M.t - M.b;
  const inner = document.createElement('canvas');
  inner.width = W;
  inner.height = H;
  // Colored by log(loss), transformed here: the heat map's own log option measures from the minimum,
  // which spends most of the color range on the few points next to it.
  const { lo, hi } = heatmap(inner, Array.from(values, (v) => Math.log(v)), G, G, { contours: 14 });
  if (points?.length) {
    const to = projector(inner, [-ra, ra], [-rb, rb]);
    path(inner, points, to, { color: '#ff5252', width: 2, dot: true });
    const ctx = inner.getContext('2d');
    const [sx, sy] = to(points[0]);
    ctx.fillStyle = '#fff';
    ctx.strokeStyle = '#ff5252';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(sx, sy, 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(inner, M.l, M.t);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(M.l + 0.5, M.t + 0.5, W - 1, H - 1);
  ctx.fillStyle = '#333';
  ctx.font = '12px system-ui, sans-serif';
  for (let k = 0; k <= 4; k++) {
    const f = k / 4;
    const x = M.l + f * W;
    const y = M.t + f * H;
    ctx.textAlign = 'center';
    ctx.fillText(fmt(-ra + 2 * ra * f, ra), x, M.t + H + 16);
    ctx.beginPath();
    ctx.moveTo(x, M.t + H);
    ctx.lineTo(x, M.t + H + 4);
    ctx.moveTo(M.l - 4, y);
    ctx.lineTo(M.l, y);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(fmt(rb - 2 * rb * f, rb), M.l - 7, y + 4);
  }
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(labels.x, M.l + W / 2, M.t + H + 36);
  ctx.save();
  ctx.translate(14, M.t + H / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(labels.y, 0, 0);
  ctx.restore();
  // Color bar: the map colors log(loss); its ticks are losses.
  const bx = M.l + W + 16;
  for (let py = 0; py < H; py++) {
    const [r, g, b] = viridis(1 - py / (H - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(bx, M.t + py, 14, 1);
  }
  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  for (let k = 0; k <= 4; k++) {
    const t = lo + ((hi - lo) * (4 - k)) / 4;
    const loss = Math.exp(t);
    ctx.fillText(loss.toPrecision(loss < 1 ? 2 : 3), bx + 18, M.t + (k / 4) * (H - 1) + 4);
  }
  ctx.save();
  ctx.translate(canvas.width - 6, M.t + H / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText('training loss (log scale)', 0, 0);
  ctx.restore();
}
