// The CLI's models and optimizers, built from the package's public API. `cnn` is a Module subclass
// over the functional wg.conv2d / wg.maxPool2d (nn has no Conv2d module yet); Dropout likewise.
export const MLP_HIDDEN = 256;

function uniformInit(wg, shape, fanIn) {
  const bound = 1 / Math.sqrt(fanIn);
  return wg.nn.parameter(wg.uniform(shape, -bound, bound));
}

function makeDropout(wg) {
  if (wg.nn.Dropout) return (p) => new wg.nn.Dropout(p);
  /** Inverted dropout: zeroes each element with probability p in training mode and rescales by 1/(1-p). */
  class Dropout extends wg.nn.Module {
    constructor(p) {
      super();
      this.p = p;
    }
    forward(x) {
      if (!this.training || this.p === 0) return wg.reshape(x, x.shape);
      const mask = wg.bernoulli(1 - this.p, x.shape);
      const y = wg.mul(x, mask);
      const out = wg.div(y, 1 - this.p);
      mask.dispose();
      y.dispose();
      return out;
    }
    extraRepr() {
      return `p=${this.p}`;
    }
  }
  return (p) => new Dropout(p);
}

function makeCnn(wg, dropout) {
  /** conv(1→8, 3x3, pad 1) relu pool2 → conv(8→16, 3x3, pad 1) relu pool2 → dropout → linear(784→10). */
  class CNN extends wg.nn.Module {
    constructor(channels, side, classes) {
      super();
      this.channels = channels;
      this.side = side;
      this.w1 = uniformInit(wg, [8, channels, 3, 3], channels * 9);
      this.b1 = uniformInit(wg, [8], channels * 9);
      this.w2 = uniformInit(wg, [16, 8, 3, 3], 8 * 9);
      this.b2 = uniformInit(wg, [16], 8 * 9);
      this.drop = dropout;
      this.fc = new wg.nn.Linear(16 * Math.floor(side / 4) ** 2, classes);
    }
    forward(x) {
      const n = x.shape[0];
      const img = wg.reshape(x, [n, this.channels, this.side, this.side]);
      const h1 = wg.maxPool2d(wg.relu(wg.conv2d(img, this.w1, { padding: 1, bias: this.b1 })), 2);
      const h2 = wg.maxPool2d(wg.relu(wg.conv2d(h1, this.w2, { padding: 1, bias: this.b2 })), 2);
      return this.fc(this.drop(wg.flatten(h2, 1)));
    }
  }
  return CNN;
}

/** The model for a config: {model: 'mlp'|'cnn', dropout} over inputs of shape [C, H, W]. */
export function buildModel(wg, cfg, inputShape, classes) {
  const dropout = makeDropout(wg)(cfg.dropout ?? 0);
  const [c, h, w] = inputShape;
  if (cfg.model === 'cnn') return new (makeCnn(wg, dropout))(c, h, classes);
  return new wg.nn.Sequential(new wg.nn.Flatten(), new wg.nn.Linear(c * h * w, MLP_HIDDEN), new wg.nn.ReLU(), dropout, new wg.nn.Linear(MLP_HIDDEN, classes));
}

export function buildOptimizer(wg, cfg, params) {
  const { optim } = wg;
  const base = { lr: cfg.lr, weightDecay: cfg.weightDecay ?? 0 };
  switch (cfg.optimizer) {
    case 'sgd':
      return new optim.SGD(params, base);
    case 'momentum':
      return new optim.SGD(params, { ...base, momentum: 0.9 });
    case 'adagrad':
      return new optim.AdaGrad(params, base);
    case 'rmsprop':
      return new optim.RMSProp(params, base);
    case 'adam':
      return new optim.Adam(params, base);
    case 'adamw':
      return new optim.AdamW(params, { ...base, weightDecay: cfg.weightDecay ?? 0.01 });
    default:
      throw new Error(`unknown optimizer '${cfg.optimizer}'`);
  }
}
