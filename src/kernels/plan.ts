// Kernels choose between two plans by adapter kind. CPU implementations of WebGPU (SwiftShader) run a
// workgroup's SIMD groups one after another on one thread: every workgroup barrier switches between all
// of them, and workgroup memory is no cheaper than storage. So on the software plan kernels avoid
// barriers and shared tiles (one invocation per row, register blocks); on the GPU plan they keep
// workgroup trees and shared tiles, whose lanes read coalesced. Measurements: bench/RESULTS.md.
import type { Device } from '../device/index.ts';

export type Plan = 'software' | 'gpu';

let forced: Plan | undefined;

/** Forces a plan on every adapter (undefined: the adapter decides). Only tests need this. */
export function setPlan(p: Plan | undefined): void {
  forced = p;
}

export function planOf(dev: Device): Plan {
  return forced ?? (dev.info.software ? 'software' : 'gpu');
}

/** Rows no longer than this get one invocation each: a workgroup would leave most of its lanes idle. */
const SHORT_ROW = 64;
/**
 * On the software plan, this many rows or more get one invocation each whatever their length (two
 * workgroups' worth keep two cores busy): 4096 rows of 1024 took 645 ms as a workgroup tree per row and
 * ~15 ms one per invocation.
 */
const SOFTWARE_ROWS = 512;

/** Whether `rows` rows of `n` elements are reduced one row per invocation rather than a workgroup each. */
export function rowPerInvocation(dev: Device, rows: number, n: number): boolean {
  return n <= SHORT_ROW || (planOf(dev) === 'software' && rows >= SOFTWARE_ROWS);
}
