// Finds a working Deno binary and prints its path (exit 1 when there is none).
// npm 11 does not run dependencies' install scripts, so the `deno` package's postinstall may not have
// linked its binary; the binary itself always comes in the platform's optional dependency
// (@deno/linux-x64-glibc on x86-64 Linux), which is tried first. Then node_modules/.bin/deno, then PATH.
// $DENO_BIN overrides all of these.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function works(path) {
  try {
    const v = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
    return /^deno \d/.test(v);
  } catch {
    return false;
  }
}

export function denoCandidates() {
  const exe = process.platform === 'win32' ? 'deno.exe' : 'deno';
  const out = [];
  if (process.env.DENO_BIN) out.push(process.env.DENO_BIN);
  const scope = join(root, 'node_modules/@deno');
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const preferred = [`${process.platform}-${arch}-glibc`, `${process.platform}-${arch}`, process.platform === 'darwin' ? 'darwin-universal' : ''];
  if (existsSync(scope)) {
    const dirs = readdirSync(scope);
    for (const d of [...preferred.filter((p) => p && dirs.includes(p)), ...dirs]) out.push(join(scope, d, exe));
  }
  out.push(join(root, 'node_modules/deno', exe), join(root, 'node_modules/.bin', exe), 'deno');
  return [...new Set(out)];
}

/** The first candidate that runs `--version`, or null. */
export function findDeno() {
  for (const c of denoCandidates()) if ((c === 'deno' || existsSync(c)) && works(c)) return c;
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const d = findDeno();
  if (!d) {
    console.error('No working Deno binary: run `npm install` (the deno package and its @deno/<platform> binary), or install Deno and put it on PATH, or set DENO_BIN.');
    process.exit(1);
  }
  console.log(d);
}
