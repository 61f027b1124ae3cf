// The drawing pad: a 224×224 canvas (28×28 at 8×) drawn on with mouse, pen or touch, white ink on
// black as MNIST, and the preprocessing MNIST's digits went through: the ink's bounding box is
// resampled (area average) to fit 20×20 keeping its aspect ratio, then placed in a 28×28 field so
// that its center of mass sits at the center.
const SIDE = 28;
const BOX = 20;

/** Area-average resampling of the gray image `src` (sw×sh) region [x0,x0+w)×[y0,y0+h) to tw×th. */
function resample(src, sw, x0, y0, w, h, tw, th) {
  const out = new Float32Array(tw * th);
  const fx = w / tw;
  const fy = h / th;
  for (let ty = 0; ty < th; ty++) {
    const ya = y0 + ty * fy;
    const yb = ya + fy;
    for (let tx = 0; tx < tw; tx++) {
      const xa = x0 + tx * fx;
      const xb = xa + fx;
      let s = 0;
      for (let y = Math.floor(ya); y < Math.ceil(yb); y++) {
        const wy = Math.min(yb, y + 1) - Math.max(ya, y);
        for (let x = Math.floor(xa); x < Math.ceil(xb); x++) {
          const wx = Math.min(xb, x + 1) - Math.max(xa, x);
          s += wx * wy * src[y * sw + x];
        }
      }
      out[ty * tw + tx] = s / (fx * fy);
    }
  }
  return out;
}

/** MNIST-style 28×28 input (values in [0, 1]) from a gray image, or null when there is no ink. */
export function preprocess(gray, w, h, threshold = 0.1) {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (gray[y * w + x] > threshold) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  const small = resample(gray, w, x0, y0, bw, bh, tw, th);
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  const clamp = (v, hi) => Math.min(Math.max(v, 0), hi);
  const ox = clamp(Math.round(SIDE / 2 - mx / m), SIDE - tw);
  const oy = clamp(Math.round(SIDE / 2 - my / m), SIDE - th);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) out[(oy + y) * SIDE + ox + x] = Math.min(1, small[y * tw + x]);
  return out;
}

export class DrawingPad {
  /**
   * The ink lives in a gray buffer of the canvas's size that the pad rasterizes itself (round-capped
   * thick segments, antialiased by distance); the canvas only shows it, so reading the input never
   * reads pixels back from the canvas. `onChange()` runs when a stroke ends, `onStroke()` while drawing.
   */
  constructor(canvas, { onChange, onStroke } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.gray = new Float32Array(canvas.width * canvas.height);
    this.onChange = onChange;
    this.onStroke = onStroke;
    this.clear();
    let last = null;
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
    };
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      last = at(e);
      this.line(last, last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!last) return;
      const p = at(e);
      this.line(last, p);
      last = p;
      this.onStroke?.();
    });
    const end = () => {
      if (!last) return;
      last = null;
      this.onChange?.();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** Ink along the segment a→b, radius ~1/26 of the pad (an MNIST stroke is 2-3 of 28 pixels). */
  line([ax, ay], [bx, by]) {
    const { width: w, height: h } = this.canvas;
    const r = w / 26;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
    const x1 = Math.min(w - 1, Math.ceil(Math.max(ax, bx) + r + 1));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
    const y1 = Math.min(h - 1, Math.ceil(Math.max(ay, by) + r + 1));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - ax;
        const py = y + 0.5 - ay;
        const t = len2 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const d = Math.hypot(px - t * dx, py - t * dy);
        const v = Math.min(1, Math.max(0, r + 0.5 - d));
        if (v > this.gray[y * w + x]) this.gray[y * w + x] = v;
      }
    this.setEmpty(false);
    this.paint(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
  }

  /** Copies the buffer's region to the canvas. */
  paint(x0 = 0, y0 = 0, pw = this.canvas.width, ph = this.canvas.height) {
    const w = this.canvas.width;
    const img = new ImageData(pw, ph);
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++) {
        const g = Math.round(255 * this.gray[(y0 + y) * w + x0 + x]);
        img.data.set([g, g, g, 255], 4 * (y * pw + x));
      }
    this.ctx.putImageData(img, x0, y0);
  }

  setEmpty(empty) {
    this.empty = empty;
    // The end-to-end test accepts a blank canvas only where it is meant to be blank.
    this.canvas.toggleAttribute('data-e2e-blank-ok', empty);
  }

  clear() {
    this.gray.fill(0);
    this.paint();
    this.setEmpty(true);
  }

  /** Puts a 28×28 image (784 values in [0, 1]) over the whole pad, scaled up bilinearly. */
  drawDigit(pixels) {
    const { width: w, height: h } = this.canvas;
    const at = (x, y) => Math.min(1, Math.max(0, pixels[Math.min(SIDE - 1, Math.max(0, y)) * SIDE + Math.min(SIDE - 1, Math.max(0, x))]));
    for (let y = 0; y < h; y++) {
      const sy = ((y + 0.5) * SIDE) / h - 0.5;
      const iy = Math.floor(sy);
      const fy = sy - iy;
      for (let x = 0; x < w; x++) {
        const sx = ((x + 0.5) * SIDE) / w - 0.5;
        const ix = Math.floor(sx);
        const fx = sx - ix;
        const v = (1 - fy) * ((1 - fx) * at(ix, iy) + fx * at(ix + 1, iy)) + fy * ((1 - fx) * at(ix, iy + 1) + fx * at(ix + 1, iy + 1));
        this.gray[y * w + x] = Math.max(this.gray[y * w + x], v);
      }
    }
    this.paint();
    this.setEmpty(false);
  }

  /** The pad's 28×28 MNIST-style input in [0, 1], or null when empty. */
  input() {
    return this.empty ? null : preprocess(this.gray, this.canvas.width, this.canvas.height);
  }
}

/** Shows the 28×28 input the model sees, scaled up (nearest neighbour, so its pixels show). */
export function showInput(canvas, pixels) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  canvas.toggleAttribute('data-e2e-blank-ok', !pixels);
  if (!pixels) return;
  const img = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const g = Math.round(255 * pixels[i]);
    img.data.set([g, g, g, 255], 4 * i);
  }
  const small = new OffscreenCanvas(SIDE, SIDE);
  small.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
