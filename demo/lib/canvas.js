// Hand-drawn canvas where a chart library does not fit: heat maps with contour lines (marching
// squares), grayscale image grids (digits, filters, feature maps) and polylines over a heat map.

// Viridis, sampled at 9 stops and interpolated linearly.
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
export function viridis(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 1)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
}

function range(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * Draws a row-major `cols`×`rows` grid of values (first row at the top) over the whole canvas, colored
 * by viridis on the value (with `log`, on log(value − min + 0.001·range)), with `contours`
 * iso-lines. Returns {lo, hi} of the transformed values.
 */
export function heatmap(canvas, values, cols, rows, { log = false, contours = 10, lines = 'rgba(255,255,255,0.55)' } = {}) {
  const [mn, mx] = range(values);
  // The offset is relative to the range, so the one cell at the minimum does not stretch the scale.
  const eps = 1e-3 * (mx - mn) || 1e-12;
  const tf = log ? (v) => Math.log(eps + v - mn) : (v) => v;
  const t = Float64Array.from(values, tf);
  const [lo, hi] = range(t);
  const img = new ImageData(cols, rows);
  for (let i = 0; i < t.length; i++) {
    const [r, g, b] = viridis((t[i] - lo) / (hi - lo || 1));
    img.data.set([r, g, b, 255], 4 * i);
  }
  const small = new OffscreenCanvas(cols, rows);
  small.getContext('2d').putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  const sx = canvas.width / (cols - 1);
  const sy = canvas.height / (rows - 1);
  ctx.strokeStyle = lines;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 1; k <= contours; k++) {
    const level = lo + ((hi - lo) * k) / (contours + 1);
    for (let y = 0; y < rows - 1; y++) {
      for (let x = 0; x < cols - 1; x++) {
        const v = [t[y * cols + x], t[y * cols + x + 1], t[(y + 1) * cols + x + 1], t[(y + 1) * cols + x]];
        const corners = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1]];
        const cut = [];
        for (let e = 0; e < 4; e++) {
          const a = v[e];
          const b = v[(e + 1) % 4];
          if ((a < level) !== (b < level)) {
            const f = (level - a) / (b - a);
            const [ax, ay] = corners[e];
            const [bx, by] = corners[(e + 1) % 4];
            cut.push([(ax + f * (bx - ax)) * sx, (ay + f * (by - ay)) * sy]);
          }
        }
        for (let c = 0; c + 1 < cut.length; c += 2) {
          ctx.moveTo(cut[c][0], cut[c][1]);
          ctx.lineTo(cut[c + 1][0], cut[c + 1][1]);
        }
      }
    }
  }
  ctx.stroke();
  return { lo, hi };
}

/** Maps data coordinates in [x0, x1]×[y0, y1] (y up) to canvas pixels. */
export function projector(canvas, [x0, x1], [y0, y1]) {
  return ([x, y]) => [((x - x0) / (x1 - x0)) * canvas.width, ((y1 - y) / (y1 - y0)) * canvas.height];
}

/** A polyline of data points, with a dot at its last point. */
export function path(canvas, points, toPixel, { color = '#fff', width = 2, dot = true } = {}) {
  const ctx = canvas.getContext('2d');
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  points.forEach((p, i) => {
    const [px, py] = toPixel(p);
    if (i) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
  });
  ctx.stroke();
  if (dot && points.length) {
    const [px, py] = toPixel(points[points.length - 1]);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(px, py, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/**
 * Draws `count` grayscale images of h×w values each (row-major, consecutive in `data`) as a grid of
 * `cols` columns, each scaled to `scale` pixels per value. With `signed`, 0 is gray, negative dark,
 * positive light (filters); otherwise each image is stretched to its own min..max.
 * Returns the canvas (resized to fit), and labels are drawn under each cell when given.
 */
export function imageGrid(canvas, data, count, h, w, { cols = Math.min(count, 8), scale = 3, gap = 4, signed = false, labels, labelColors } = {}) {
  const rows = Math.ceil(count / cols);
  const labelH = labels ? 14 : 0;
  canvas.width = cols * (w * scale + gap) + gap;
  canvas.height = rows * (h * scale + gap + labelH) + gap;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const cell = new OffscreenCanvas(w, h);
  const cctx = cell.getContext('2d');
  for (let n = 0; n < count; n++) {
    const img = new ImageData(w, h);
    const part = data.subarray ? data.subarray(n * h * w, (n + 1) * h * w) : data.slice(n * h * w, (n + 1) * h * w);
    let [lo, hi] = range(part);
    if (signed) (hi = Math.max(Math.abs(lo), Math.abs(hi)) || 1), (lo = -hi);
    for (let i = 0; i < h * w; i++) {
      const g = Math.round((255 * (part[i] - lo)) / (hi - lo || 1));
      img.data.set([g, g, g, 255], 4 * i);
    }
    cctx.putImageData(img, 0, 0);
    const x = gap + (n % cols) * (w * scale + gap);
    const y = gap + Math.floor(n / cols) * (h * scale + gap + labelH);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cell, x, y, w * scale, h * scale);
    if (labels) {
      ctx.fillStyle = labelColors?.[n] ?? '#333';
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(String(labels[n]), x + (w * scale) / 2, y + h * scale + 11);
    }
  }
  return canvas;
}

/** Population variance of a canvas's luminance: 0 for a blank canvas (the e2e test uses the same idea). */
export function pixelVariance(canvas) {
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let s = 0;
  let s2 = 0;
  const n = d.length / 4;
  for (let i = 0; i < d.length; i += 4) {
    const l = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    s += l;
    s2 += l * l;
  }
  return s2 / n - (s / n) ** 2;
}
