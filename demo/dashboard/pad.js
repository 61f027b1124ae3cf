// The drawing pad: a 280×280 canvas (28×28 at 10×) drawn on with mouse, pen or touch, white ink on
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
  /** `onChange()` runs when a stroke ends (and, throttled by the caller, while drawing). */
  constructor(canvas, { onChange, onStroke } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
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

  line([ax, ay], [bx, by]) {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = this.canvas.width / 13;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(ax, ay);
    c.lineTo(bx + 0.01, by);
    c.stroke();
    this.setEmpty(false);
  }

  setEmpty(empty) {
    this.empty = empty;
    // The end-to-end test accepts a blank canvas only where it is meant to be blank.
    this.canvas.toggleAttribute('data-e2e-blank-ok', empty);
  }

  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.setEmpty(true);
  }

  /** Paints a 28×28 image (784 values in [0, 1]) over the whole pad, smoothly scaled up. */
  drawDigit(pixels) {
    const img = new ImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) {
      const g = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
      img.data.set([g, g, g, 255], 4 * i);
    }
    const small = new OffscreenCanvas(SIDE, SIDE);
    small.getContext('2d').putImageData(img, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.imageSmoothingQuality = 'high';
    this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
    this.setEmpty(false);
  }

  /** The pad's 28×28 MNIST-style input in [0, 1], or null when empty. */
  input() {
    if (this.empty) return null;
    const { width: w, height: h } = this.canvas;
    const d = this.ctx.getImageData(0, 0, w, h).data;
    const gray = new Float32Array(w * h);
    for (let i = 0; i < gray.length; i++) gray[i] = d[4 * i] / 255;
    return preprocess(gray, w, h);
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
