// The CLI's models and optimizers, built from the package's public API (wg.nn modules, so the
// state-dict keys are PyTorch's for the same nn.Sequential).
export const MLP_HIDDEN = 256;

/**
 * The CNN's layers (--arch): two conv (+ batch norm) + ReLU + 2×2 max-pool blocks, then dropout and
 * one linear layer. lenet is LeNet-sized (97.7% on MNIST); wide-bn has more channels and batch norm,
 * which Fashion-MNIST's 91% needs in PyTorch (bench/RESULTS.md, "Choosing the CNN"), but its batch
 * norm is slow on SwiftShader for now.
 */
export const CNN_ARCHS = {
  lenet: { channels: [8, 16], kernel: 5, batchNorm: false },
  'wide-bn': { channels: [16, 32], kernel: 3, batchNorm: true },
};

/** The model for a config: {model: 'mlp'|'cnn', dropout} over inputs of shape [C, H, W]. */
export function buildModel(wg, cfg, inputShape, classes) {
  const { nn } = wg;
  const dropout = new nn.Dropout(cfg.dropout ?? 0);
  const [c, h, w] = inputShape;
  if (cfg.model === 'cnn') {
    const arch = CNN_ARCHS[cfg.arch ?? 'lenet'];
    if (!arch) throw new Error(`unknown cnn arch '${cfg.arch}' (one of ${Object.keys(CNN_ARCHS).join(', ')})`);
    const { channels, kernel, batchNorm } = arch;
    const block = (from, to) => [
      new nn.Conv2d(from, to, kernel, { padding: kernel >> 1, bias: !batchNorm }),
      ...(batchNorm ? [new nn.BatchNorm2d(to)] : []),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
    ];
    const last = channels[channels.length - 1];
    return new nn.Sequential(...block(c, channels[0]), ...block(channels[0], channels[1]), new nn.Flatten(), dropout, new nn.Linear(last * Math.floor(h / 4) * Math.floor(w / 4), classes));
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
