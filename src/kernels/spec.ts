// Kernel specs are built once per variant and reused by identity: rendering WGSL and hashing the full
// source on every dispatch would dominate the cost of small ops.
import type { KernelSpec } from '../device/index.ts';

const specs = new Map<string, KernelSpec>();

/** The spec for `key`, made by `make` the first time. `key` must determine the spec completely. */
export function cachedSpec(key: string, make: () => KernelSpec): KernelSpec {
  let s = specs.get(key);
  if (!s) specs.set(key, (s = make()));
  return s;
}
