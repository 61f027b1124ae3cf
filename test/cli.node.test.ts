// The CLI's pure parts, in Node: flag parsing (closest-flag errors, defaults, value checks) and the
// report generator (self-contained HTML with uPlot and the run's data inlined, text escaped). The CLI
// run itself, end to end on the built package, is a check in test/build/check.mjs.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs modules of the CLI, without type declarations
import { parse, trainConfig, TRAIN_FLAGS, UsageError } from '../bin/lib/args.mjs';
// @ts-expect-error: as above
import { readUplot, renderReport } from '../bin/lib/report.mjs';

describe('webgrad train flags', () => {
  it('fills defaults, picks the optimizer lr and converts values', () => {
    const c = trainConfig(['--dataset', 'synthetic', '--optimizer', 'sgd', '--batch-size=32', '--json', '--early-stopping', '0']);
    expect(c).toMatchObject({ dataset: 'synthetic', model: 'mlp', optimizer: 'sgd', lr: 0.1, batchSize: 32, epochs: 15, dropout: 0.2, augment: 2, schedule: 'cosine', json: true, quiet: false, earlyStopping: 0, runtime: 'node', out: null, limit: null });
    // The CNN has its own defaults for epochs and Adam's step; an explicit flag still wins.
    expect(trainConfig(['--model', 'cnn'])).toMatchObject({ model: 'cnn', epochs: 10, lr: 0.004, dropout: 0.1, augment: 1 });
    expect(trainConfig(['--model', 'cnn', '--epochs', '3', '--lr', '0.01'])).toMatchObject({ epochs: 3, lr: 0.01 });
    expect(trainConfig([])).toMatchObject({ model: 'mlp', epochs: 15, lr: 0.002, dropout: 0.2, augment: 2 });
    expect(trainConfig(['--model', 'cnn', '--dropout', '0', '--augment', '0'])).toMatchObject({ dropout: 0, augment: 0 });
    // The cnn's layers: LeNet-sized on mnist, wide-bn on fashion-mnist, unless --arch says otherwise; only for the cnn.
    expect(trainConfig(['--model', 'cnn']).arch).toBe('lenet');
    expect(trainConfig(['--model', 'cnn', '--arch', 'wide-bn']).arch).toBe('wide-bn');
    // Fashion-MNIST's own defaults (the measured 91% and 88% recipes), under explicit flags.
    expect(trainConfig(['--model', 'cnn', '--dataset', 'fashion-mnist'])).toMatchObject({ arch: 'wide-bn', epochs: 5, augment: 0, dropout: 0.1, lr: 0.004 });
    expect(trainConfig(['--model', 'cnn', '--dataset', 'fashion-mnist', '--arch', 'lenet', '--epochs', '2'])).toMatchObject({ arch: 'lenet', epochs: 2, augment: 0 });
    expect(trainConfig(['--dataset', 'fashion-mnist'])).toMatchObject({ model: 'mlp', epochs: 6, augment: 0, dropout: 0.2, arch: null });
    expect(trainConfig([]).arch).toBe(null);
    expect(() => trainConfig(['--arch', 'lenet'])).toThrow(/--arch chooses the cnn's layers; it does not apply to --model mlp/);
    expect(trainConfig(['--lr', '0.02']).lr).toBe(0.02);
  });

  it('rejects unknown flags naming the closest one, and bad values', () => {
    const bad = (argv: string[], re: RegExp) => {
      expect(() => trainConfig(argv)).toThrow(UsageError);
      expect(() => trainConfig(argv)).toThrow(re);
    };
    bad(['--epoch', '2'], /unknown flag --epoch; did you mean --epochs\?/);
    bad(['--batchsize', '2'], /did you mean --batch-size\?/);
    bad(['--learning-rate=1'], /unknown flag --learning-rate/);
    bad(['--model', 'mpl'], /--model must be one of mlp, cnn, got 'mpl'; did you mean mlp\?/);
    bad(['--optimizer', 'adamw2'], /did you mean adamw\?/);
    bad(['--epochs', '0'], /--epochs needs a positive integer, got '0'/);
    bad(['--epochs', '1.5'], /positive integer/);
    bad(['--lr', 'fast'], /--lr needs a number/);
    bad(['--lr=-1'], /--lr must be positive/);
    bad(['--dropout', '1'], /--dropout must be in \[0, 1\)/);
    bad(['--augment=-1'], /--augment needs a whole number, got '-1'/);
    bad(['--schedule', 'cosin'], /did you mean cosine\?/);
    bad(['stray'], /unexpected argument 'stray'/);
    bad(['--epochs'], /argument missing|--epochs/);
  });

  it('every flag in the table parses', () => {
    const argv = Object.entries(TRAIN_FLAGS as Record<string, { kind: string; choices?: string[] }>).flatMap(([n, f]) =>
      f.kind === 'bool' ? [`--${n}`] : [`--${n}`, f.choices ? f.choices[0]! : f.kind === 'string' ? 'x' : '1'],
    );
    expect(Object.keys(parse(argv, TRAIN_FLAGS, 'train'))).toHaveLength(Object.keys(TRAIN_FLAGS).length);
  });
});

function fakeRun() {
  const scalars = [
    { tag: 'train/loss', step: 5, wallTime: 1, value: 2.1 },
    { tag: 'lr', step: 5, wallTime: 1, value: 0.01 },
    { tag: 'train/loss', step: 10, wallTime: 2, value: 1.4 },
    { tag: 'train/accuracy', step: 10, wallTime: 2, value: 0.5 },
    { tag: 'test/loss', step: 10, wallTime: 2, value: 1.2 },
    { tag: 'test/accuracy', step: 10, wallTime: 2, value: 0.625 },
  ];
  return {
    summary: { dataset: 'synthetic', model: 'mlp', runtime: 'node', adapter: 'TestAdapter 9000', software: true, epochs: 1, trainAccuracy: 0.5, testAccuracy: 0.625, testLoss: 1.2, seconds: 3.5, samplesPerSecond: 1234 },
    config: { dataset: 'synthetic', model: 'mlp', optimizer: 'adam', lr: 0.001, batchSize: 64, epochs: 1, weightDecay: 0, dropout: 0.25, seed: 7, earlyStopping: null },
    parameters: 101770,
    modelText: 'Sequential(<Linear>)',
    inputShape: [1, 2, 2],
    classNames: ['zero', '</script><b>one</b>', 'two'],
    trainSize: 40,
    testSize: 8,
    steps: 10,
    stopped: false,
    restoredEpoch: null,
    history: { epochs: [0], history: {} },
    scalars,
    confusion: [
      [3, 0, 1],
      [0, 2, 0],
      [1, 1, 0],
    ],
    misclassified: [
      { index: 2, label: 0, pred: 2, pixels: Buffer.from([0, 64, 128, 255]).toString('base64') },
      { index: 5, label: 2, pred: 1, pixels: Buffer.from([255, 0, 0, 255]).toString('base64') },
    ],
  };
}

describe('report.html', () => {
  it('inlines uPlot and the run data, references nothing external and escapes text', () => {
    const uplot = readUplot();
    expect(uplot.js.length).toBeGreaterThan(20_000);
    const run = fakeRun();
    const html: string = renderReport(run, uplot);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(uplot.js);
    expect(html).toContain(uplot.css);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    const json = html.match(/<script type="application\/json" id="run-data">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(json)).toEqual(run);
    // Only the page's own three script elements close; the class name cannot end one early.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('&lt;/script&gt;&lt;b&gt;one&lt;/b&gt;');
    expect(html).toContain('Sequential(&lt;Linear&gt;)');
    for (const text of ['TestAdapter 9000 (software rendering: no GPU)', '101,770 parameters', 'adam, lr 0.001', '1,234 samples/s', 'test accuracy 62.50%', '3.5 s'])
      expect(html).toContain(text);
    // The confusion table: one row per true class, the counts in order.
    const cells = [...html.matchAll(/<td style="background:[^"]*" title="[^"]*">(\d+)<\/td>/g)].map((m) => +m[1]!);
    expect(cells).toEqual(run.confusion.flat());
    expect(html.match(/<canvas data-i=/g)).toHaveLength(2);
  });
});
