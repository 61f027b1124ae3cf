// The CLI's models and optimizers, built from the package's public API (wg.nn modules, so the
// state-dict keys are PyTorch's for the same nn.Sequential).
export const MLP_HIDDEN = 256;

/** The CNN's layers, LeNet-sized: two 5×5 conv + ReLU + 2×2 max-pool blocks, then dropout and one linear layer. */
export const CNN_CHANNELS = [8, 16];
export const CNN_KERNEL = 5;

/** The model for a config: {model: 'mlp'|'cnn', dropout} over inputs of shape [C, H, W]. */
export function buildModel(wg, cfg, inputShape, classes) {
  const { nn } = wg;
  const dropout = new nn.Dropout(cfg.dropout ?? 0);
  const [c, h, w] = inputShape;
  if (cfg.model === 'cnn') {
    const [c1, c2] = CNN_CHANNELS;
    const pad = CNN_KERNEL >> 1;
    return new nn.Sequential(
      new nn.Conv2d(c, c1, CNN_KERNEL, { padding: pad }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(c1, c2, CNN_KERNEL, { padding: pad }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      dropout,
      new nn.Linear(c2 * Math.floor(h / 4) * Math.floor(w / 4), classes),
    );
  }
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(c * h * w, MLP_HIDDEN), new nn.ReLU(), dropout, new nn.Linear(MLP_HIDDEN, classes));
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
