#!/usr/bin/env node
// The webgrad command line, a thin wrapper over the built package (run `npm run build` first;
// `npm start` builds and runs `webgrad train`). Commands:
//   webgrad train   train a model (MNIST, Fashion-MNIST or a synthetic set) and write a run folder
//                   with report.html, model.safetensors, config.json, scalars.jsonl and scalars.csv
//   webgrad eval    evaluate a run folder's model on its test set (--model DIR)
//   webgrad doctor  report the WebGPU adapter and check each kernel family (exit 1 when WebGPU is
//                   unavailable or a family computes wrong results)
// `webgrad COMMAND --help` lists a command's flags.
import { existsSync } from 'node:fs';

const USAGE = `usage: webgrad <command> [flags]
  train   train a model and write a run folder (default command; webgrad train --help for flags)
  eval    evaluate a trained run: webgrad eval --model runs/<run>
  doctor  report the WebGPU adapter, features and limits, and check each kernel family`;
const COMMANDS = ['train', 'eval', 'doctor', 'help'];
const [first, ...rest] = process.argv.slice(2);
const cmd = first === undefined || first.startsWith('--') && first !== '--help' && first !== '-h' ? 'train' : first;
const args = cmd === first ? rest : process.argv.slice(2);

if (cmd === '-h' || cmd === '--help' || cmd === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (!COMMANDS.includes(cmd)) {
  const { closest } = await import('./lib/args.mjs');
  console.error(`webgrad: unknown command '${cmd}'; did you mean '${closest(cmd, COMMANDS)}'?\n${USAGE}`);
  process.exit(2);
}
const entry = new URL('../dist/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('webgrad: dist/ is missing; run `npm run build` first (or `npm start`, which builds and runs webgrad train)');
  process.exit(1);
}
if (cmd === 'doctor') {
  const { doctor } = await import(entry.href);
  const { ok, text } = await doctor();
  console.log(text);
  process.exit(ok ? 0 : 1);
}
const { UsageError } = await import('./lib/args.mjs');
const { trainCommand, evalCommand } = await import('./lib/commands.mjs');
try {
  process.exitCode = await (cmd === 'train' ? trainCommand(args) : evalCommand(args));
} catch (e) {
  console.error(e instanceof UsageError ? e.message : `webgrad ${cmd}: ${e?.stack ?? e}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
