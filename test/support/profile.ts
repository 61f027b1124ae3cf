// Tests force a kernel configuration by patching the device profile (src/kernels/profile.ts): call
// forceProfile({ plan: 'gpu' }) or forceProfile({ matmul: 'tiled' }) inside a test, and restoreProfile()
// in afterEach. Patches stack; restoreProfile undoes them all.
import { overrideProfile, type Profile } from '../../src/kernels/index.ts';
import { device } from '../../src/tensor/context.ts';

const restores: (() => void)[] = [];

export function forceProfile(patch: Partial<Profile>): void {
  restores.push(overrideProfile(device(), patch));
}

export function restoreProfile(): void {
  while (restores.length) restores.pop()!();
}
