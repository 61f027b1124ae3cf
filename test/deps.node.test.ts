// The import rules of .dependency-cruiser.cjs (layer order, no cycles) run on test/fixtures/deps, a tiny
// tree laid out like src/: each file named for a violation must be reported with the file it imports,
// and the allowed imports (each layer importing lower ones, a type-only cycle) must not be.
// Node only: it spawns depcruise.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [depcruise, 'src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('import rules (.dependency-cruiser.cjs)', () => {
  const { status, out } = cruise(join(root, 'test/fixtures/deps'));

  it('fails on the fixture tree', () => {
    expect(status, out).not.toBe(0);
    expect(out).toMatch(/x 7 dependency violations \(7 errors, 0 warnings\)/);
  });

  it.each([
    ['layer-device', 'src/device/imports-kernels.ts', 'src/kernels/kernel.ts'],
    ['layer-tensor', 'src/tensor/imports-autograd-type.ts', 'src/autograd/grad.ts'],
    ['layer-optim', 'src/optim/imports-nn.ts', 'src/nn/module.ts'],
    ['layer-nn', 'src/nn/imports-top.ts', 'src/index.ts'],
    ['folder-not-in-layer-order', 'src/extra/unplaced.ts', 'src/device/device.ts'],
    ['import-of-folder-not-in-layer-order', 'src/import-of-unplaced.ts', 'src/extra/unplaced.ts'],
  ])('%s: names %s and %s', (rule, from, to) => {
    expect(out).toContain(`error ${rule}: ${from} → ${to}`);
  });

  it('no-circular: names both files of a run-time cycle', () => {
    expect(out).toMatch(/error no-circular: src\/autograd\/cycle-[ab]\.ts → \s*src\/autograd\/cycle-[ab]\.ts →\s*src\/autograd\/cycle-[ab]\.ts/);
    expect(out).toContain('cycle-a.ts');
    expect(out).toContain('cycle-b.ts');
  });

  it('reports nothing for the allowed imports', () => {
    for (const ok of ['types-a.ts', 'types-b.ts', 'train/loop.ts', 'src/index.ts →', 'kernels/kernel.ts →', 'tensor/tensor.ts →', 'nn/module.ts →']) expect(out).not.toContain(ok);
  });
});
