// Runs the project's Deno with the given arguments, e.g.
//   node scripts/deno.mjs run --unstable-webgpu -A test/deno/run.ts [filter]
// Finds the binary as scripts/find-deno.mjs does, and on Linux points Vulkan at Chromium's SwiftShader
// when VK_ICD_FILENAMES is unset and that driver exists (as scripts/test.sh does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findDeno } from './find-deno.mjs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const deno = findDeno();
if (!deno) {
  console.error('No working Deno binary: run `npm install`, or install Deno and put it on PATH, or set DENO_BIN.');
  process.exit(1);
}
const env = { ...process.env };
if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
const r = spawnSync(deno, process.argv.slice(2), { stdio: 'inherit', env });
process.exit(r.status ?? 1);
