// Device-level conveniences re-exported at the top: counters, a sync point and pipeline warm-up.
import type { Stats } from './device/index.ts';
import { device } from './tensor/index.ts';

/** A copy of the device's counters: dispatches, submits, uploads, readbacks, live buffers and bytes… */
export function stats(): Stats & { kernels: Record<string, number> } {
  const d = device('stats');
  return { ...d.stats, kernels: Object.fromEntries(d.kernelCounts) };
}

export function resetStats(): void {
  const s = device('resetStats').stats;
  for (const k of ['dispatches', 'submits', 'uploads', 'uploadBytes', 'readbacks', 'readbackBytes', 'poolHits', 'poolMisses', 'bindGroupHits', 'bindGroupMisses'] as const) s[k] = 0;
  device().kernelCounts.clear();
}

/** Waits for all submitted GPU work (for timing; reading data waits by itself). */
export async function sync(): Promise<void> {
  await device('sync').sync();
}

/** Compiles pipelines ahead of use, off the critical path, throwing any compile error. */
export async function precompile(specs: Parameters<ReturnType<typeof device>['pipelines']['compile']>[0][]): Promise<void> {
  const d = device('precompile');
  await Promise.all(specs.map((s) => d.pipelines.compile(s)));
}
