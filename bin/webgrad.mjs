#!/usr/bin/env node
// The webgrad command line, a thin wrapper over the built package (run `npm run build` first;
// `npm start` and `npm run doctor` do). Commands:
//   webgrad doctor   report the WebGPU adapter and check each kernel family (exit 1 when WebGPU is
//                    unavailable or a family computes wrong results)
import { existsSync } from 'node:fs';

const USAGE = 'usage: webgrad doctor\n  doctor  report the WebGPU adapter, features and limits, and check each kernel family';
const cmd = process.argv[2] ?? 'doctor';

if (cmd === '-h' || cmd === '--help' || cmd === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (cmd !== 'doctor') {
  console.error(`webgrad: unknown command '${cmd}'\n${USAGE}`);
  process.exit(2);
}
const entry = new URL('../dist/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('webgrad: dist/ is missing; run `npm run build` first (or `npm start`, which builds and runs the doctor)');
  process.exit(1);
}
const { doctor } = await import(entry.href);
const { ok, text } = await doctor();
console.log(text);
process.exit(ok ? 0 : 1);
