// `webgrad train` and `webgrad eval`: flags in, files out. The training itself is session.mjs, run
// where --runtime says; this file owns the Node side: the output folder, progress and the summary.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVAL_FLAGS, TRAIN_FLAGS, parse, trainConfig, usage } from './args.mjs';
import { progress } from './progress.mjs';
import { readUplot, renderReport } from './report.mjs';
import { configOf } from './session.mjs';

const dist = () => import(new URL('../../dist/index.js', import.meta.url).href);

function stamp(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export async function trainCommand(argv) {
  const cfg = trainConfig(argv);
  if (cfg.help) {
    console.log(usage('train', TRAIN_FLAGS));
    return 0;
  }
  const out = resolve(cfg.out ?? join('runs', `${cfg.dataset}-${cfg.model}-${stamp()}`));
  mkdirSync(out, { recursive: true });
  for (const f of ['scalars.jsonl', 'scalars.csv']) writeFileSync(join(out, f), '');
  const wg = await dist();
  const stream = cfg.json ? process.stderr : process.stdout;
  const show = progress({ stream, quiet: cfg.quiet });
  // Scalars go to disk as they arrive, so a long run can be followed with tail -f.
  const sink = wg.train.textSink((file, text) => appendFileSync(join(out, file), text));
  const emit = (ev) => {
    if (ev.type === 'scalar') sink.write({ ...ev.record, value: ev.record.value ?? NaN });
    else show(ev);
  };
  const { runInNode, runInChrome, runInDeno } = await import('./runtimes.mjs');
  const runner = { node: runInNode, chrome: runInChrome, deno: runInDeno }[cfg.runtime];
  const { run, modelBytes } = await runner(cfg, emit);
  run.date = new Date().toISOString();
  writeFileSync(join(out, 'model.safetensors'), modelBytes);
  writeFileSync(join(out, 'config.json'), JSON.stringify({ ...configOf(cfg), inputShape: run.inputShape, classNames: run.classNames, parameters: run.parameters, summary: run.summary }, null, 2) + '\n');
  writeFileSync(join(out, 'report.html'), renderReport(run, readUplot()));
  const summary = { ...run.summary, out };
  if (cfg.json) console.log(JSON.stringify(summary));
  else if (!cfg.quiet) console.log(`wrote ${out}/{report.html, model.safetensors, config.json, scalars.jsonl, scalars.csv}`);
  if (cfg.runtime === 'node') wg.destroy();
  return 0;
}

/** Rebuilds a run's model from config.json, loads model.safetensors and evaluates it on the test split. */
export async function evalCommand(argv) {
  const o = parse(argv, EVAL_FLAGS, 'eval');
  if (o.help) {
    console.log(usage('eval', EVAL_FLAGS));
    return 0;
  }
  if (!o.model) throw new Error('webgrad eval: --model DIR is required (a folder written by webgrad train)');
  const dir = resolve(o.model);
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const wg = await dist();
  const info = await wg.init();
  const { loadDataset, batches } = await import('./data.mjs');
  const { buildModel } = await import('./models.mjs');
  const { deserializeModel } = await import('./io.mjs');
  const { adapterName } = await import('./session.mjs');
  const ds = await loadDataset(wg, { dataset: o.dataset ?? cfg.dataset, seed: cfg.seed, limit: o.limit ?? cfg.limit, dataDir: o.dataDir });
  const model = buildModel(wg, cfg, ds.inputShape, ds.numClasses);
  const { stateDict } = deserializeModel(wg, new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  model.loadStateDict(stateDict);
  for (const t of Object.values(stateDict)) t.dispose();
  const t0 = performance.now();
  const r = await wg.train.evaluate(model, batches(wg, ds.test, o.batchSize), { loss: (out, y) => wg.nn.F.crossEntropy(out, y), topK: [5] });
  const seconds = (performance.now() - t0) / 1000;
  const summary = { dataset: ds.name, model: cfg.model, runtime: info.runtime, adapter: adapterName(info), software: info.software, samples: r.count, testAccuracy: r.accuracy, testTop5: r.topK[5], testLoss: r.loss, seconds, confusion: r.confusion, out: dir };
  if (o.json) console.log(JSON.stringify(summary));
  else {
    console.log(`${ds.name} test (${r.count} samples): loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}%, top-5 ${(100 * r.topK[5]).toFixed(2)}%  (${seconds.toFixed(1)} s)`);
    console.log('confusion (rows: true class, columns: predicted):');
    for (const row of r.confusion) console.log('  ' + row.map((v) => String(v).padStart(5)).join(''));
  }
  model.dispose();
  ds.dispose();
  wg.destroy();
  return 0;
}
