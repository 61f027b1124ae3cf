// Command-line flags for `webgrad train` and `webgrad eval`: node:util parseArgs behind a table that
// also drives --help, value checks and the "did you mean" for unknown flags. No webgrad import here.
import { parseArgs } from 'node:util';

export const DATASETS = ['mnist', 'fashion-mnist', 'synthetic'];
export const MODELS = ['mlp', 'cnn'];
export const OPTIMIZERS = ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adam', 'adamw'];
export const RUNTIMES = ['node', 'chrome', 'deno'];
export const ARCHS = ['lenet', 'wide-bn'];
/** Per-optimizer default learning rates, chosen for the MNIST-sized models here (the CNN takes larger Adam steps). */
export const DEFAULT_LR = { sgd: 0.1, momentum: 0.05, adagrad: 0.05, rmsprop: 0.001, adam: 0.002, adamw: 0.002 };
export const DEFAULT_LR_CNN = { ...DEFAULT_LR, adam: 0.004, adamw: 0.004 };
/** Per-model defaults: the MLP needs more passes of its cheaper steps, and more regularization. */
export const MODEL_DEFAULTS = { mlp: { epochs: 15, dropout: 0.2, augment: 2 }, cnn: { epochs: 10, dropout: 0.1, augment: 1 } };
/**
 * Fashion-MNIST's 60k images take fewer passes, and shifts do not help them; its CNN is wide-bn, the net
 * that reaches 91% (bench/RESULTS.md, "Main job"). These come before MODEL_DEFAULTS.
 */
export const DATASET_DEFAULTS = { 'fashion-mnist': { mlp: { epochs: 6, augment: 0 }, cnn: { arch: 'wide-bn', epochs: 5, augment: 0 } } };

// kind: 'string' | 'int' | 'number' | 'bool'; choices limit strings; def is the default.
export const TRAIN_FLAGS = {
  dataset: { kind: 'string', choices: DATASETS, def: 'mnist', help: 'the data: mnist (10k digits, 8k/2k), fashion-mnist, or synthetic (generated 28x28 blobs, no download)' },
  model: { kind: 'string', choices: MODELS, def: 'mlp', help: 'mlp (784-256-10) or cnn (two conv + pool blocks, then linear; see --arch)' },
  arch: { kind: 'string', choices: ARCHS, def: null, help: "the cnn's layers: lenet (two 5x5 conv + pool blocks, 8 and 16 channels; the default on mnist) or wide-bn (two 3x3 conv + batch norm + pool blocks, 16 and 32 channels, ~2x slower per step on SwiftShader; the default on fashion-mnist)" },
  optimizer: { kind: 'string', choices: OPTIMIZERS, def: 'adam', help: 'momentum is SGD with momentum 0.9' },
  lr: { kind: 'number', def: null, help: 'learning rate (default per optimizer: sgd 0.1, momentum 0.05, adagrad 0.05, rmsprop 0.001, adam and adamw 0.002, or 0.004 for the cnn)' },
  schedule: { kind: 'string', choices: ['cosine', 'constant'], def: 'cosine', help: 'the learning rate over the epochs: cosine decay from --lr towards 0, or constant' },
  'batch-size': { kind: 'int', def: 128, help: 'samples per step' },
  epochs: { kind: 'int', def: null, help: 'passes over the training set (default 15 for the mlp, 10 for the cnn; on fashion-mnist 6 and 5)' },
  'weight-decay': { kind: 'number', def: 0, help: 'L2 penalty (decoupled for adamw)' },
  dropout: { kind: 'number', def: null, help: 'dropout probability before the last layer, in [0, 1) (default 0.2 for the mlp, 0.1 for the cnn)' },
  augment: { kind: 'int', def: null, help: 'shift each training image by up to N pixels (random, per sample, on the GPU); 0 = off (default 2 for the mlp, 1 for the cnn; 0 on fashion-mnist)' },
  seed: { kind: 'int', def: 0, help: 'seeds weights, shuffling, dropout and the synthetic data' },
  'early-stopping': { kind: 'int', def: null, help: 'stop after PATIENCE epochs without a better test loss, keeping the best weights' },
  'log-every': { kind: 'int', def: 20, help: 'read the running loss back every N steps' },
  runtime: { kind: 'string', choices: RUNTIMES, def: 'node', help: 'run the training in node (Dawn), chrome (headless Chromium) or deno' },
  out: { kind: 'string', def: null, help: 'output folder (default runs/<dataset>-<model>-<timestamp>/)' },
  'data-dir': { kind: 'string', def: null, help: 'where datasets are cached' },
  limit: { kind: 'int', def: null, help: 'use only the first N training and N/4 test samples (for tests)' },
  json: { kind: 'bool', def: false, help: 'print one JSON summary object at the end (and nothing else on stdout)' },
  quiet: { kind: 'bool', def: false, help: 'no progress output' },
  help: { kind: 'bool', def: false, help: 'this text' },
};

export const EVAL_FLAGS = {
  model: { kind: 'string', def: null, help: 'a run folder written by `webgrad train` (config.json + model.safetensors)' },
  dataset: { kind: 'string', choices: DATASETS, def: null, help: "the data to evaluate on (default: the run's)" },
  'batch-size': { kind: 'int', def: 256, help: 'samples per evaluation batch' },
  'data-dir': TRAIN_FLAGS['data-dir'],
  limit: TRAIN_FLAGS.limit,
  json: { kind: 'bool', def: false, help: 'print one JSON object' },
  help: TRAIN_FLAGS.help,
};

function distance(a, b) {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

export function closest(name, valid) {
  return valid.reduce((best, v) => (distance(name, v) < distance(name, best) ? v : best), valid[0]);
}

export class UsageError extends Error {}

export function usage(command, flags) {
  const rows = Object.entries(flags).map(([name, f]) => {
    const arg = f.kind === 'bool' ? '' : f.choices ? ` ${f.choices.join('|')}` : name === 'early-stopping' ? ' PATIENCE' : f.kind === 'string' ? ' DIR' : ' N';
    const def = f.def === null || f.def === false ? '' : ` (default ${f.def})`;
    return `  --${name}${arg}  `.padEnd(54) + f.help + def;
  });
  return `usage: webgrad ${command} [flags]\n${rows.join('\n')}`;
}

/** Parses argv against a flag table; throws UsageError naming the closest flag or choice. */
export function parse(argv, flags, command) {
  const names = Object.keys(flags);
  for (const a of argv) {
    if (!a.startsWith('--')) continue;
    const name = a.slice(2).split('=')[0];
    if (!names.includes(name)) throw new UsageError(`webgrad ${command}: unknown flag --${name}; did you mean --${closest(name, names)}?`);
  }
  const options = Object.fromEntries(Object.entries(flags).map(([n, f]) => [n, { type: f.kind === 'bool' ? 'boolean' : 'string' }]));
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true }));
  } catch (e) {
    throw new UsageError(`webgrad ${command}: ${e.message}`);
  }
  if (positionals.length) throw new UsageError(`webgrad ${command}: unexpected argument '${positionals[0]}' (flags look like --epochs 3)`);
  const out = {};
  for (const [name, f] of Object.entries(flags)) {
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const raw = values[name];
    if (raw === undefined) {
      out[key] = f.def;
      continue;
    }
    if (f.kind === 'bool') out[key] = raw;
    else if (f.kind === 'string') {
      if (f.choices && !f.choices.includes(raw)) throw new UsageError(`webgrad ${command}: --${name} must be one of ${f.choices.join(', ')}, got '${raw}'; did you mean ${closest(raw, f.choices)}?`);
      out[key] = raw;
    } else {
      const v = Number(raw);
      const ok = raw.trim() !== '' && Number.isFinite(v) && (f.kind === 'number' || (Number.isInteger(v) && v >= (['seed', 'early-stopping', 'augment'].includes(name) ? 0 : 1)));
      if (!ok) throw new UsageError(`webgrad ${command}: --${name} needs ${f.kind === 'int' ? (['seed', 'early-stopping', 'augment'].includes(name) ? 'a whole number' : 'a positive integer') : 'a number'}, got '${raw}'`);
      out[key] = v;
    }
  }
  return out;
}

/** `webgrad train` flags with defaults filled in and ranges checked. */
export function trainConfig(argv) {
  const c = parse(argv, TRAIN_FLAGS, 'train');
  if (c.help) return c;
  c.lr ??= (c.model === 'cnn' ? DEFAULT_LR_CNN : DEFAULT_LR)[c.optimizer];
  if (c.model !== 'cnn' && c.arch != null) throw new UsageError(`webgrad train: --arch chooses the cnn's layers; it does not apply to --model ${c.model}`);
  for (const [k, v] of Object.entries({ ...MODEL_DEFAULTS[c.model], ...DATASET_DEFAULTS[c.dataset]?.[c.model] })) c[k] ??= v;
  if (c.model === 'cnn') c.arch ??= 'lenet';
  if (!(c.lr > 0)) throw new UsageError(`webgrad train: --lr must be positive, got ${c.lr}`);
  if (!(c.weightDecay >= 0)) throw new UsageError(`webgrad train: --weight-decay must be >= 0, got ${c.weightDecay}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new UsageError(`webgrad train: --dropout must be in [0, 1), got ${c.dropout}`);
  return c;
}
