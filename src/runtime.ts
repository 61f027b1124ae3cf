// Device-level conveniences re-exported at the top: counters, a sync point and pipeline warm-up.
import type { Stats } from './device/index.ts';
import { device, randn, realizeAll, tidy } from './tensor/index.ts';
import * as A from './autograd/index.ts';

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

/**
 * Releases the idle buffers the pool keeps for reuse (PyTorch's torch.cuda.empty_cache); live tensors
 * are untouched. Returns the bytes freed. Later allocations create buffers again.
 */
export function emptyCache(): number {
  return device('emptyCache').emptyCache();
}

/** Caps the bytes of idle buffers the pool keeps (Infinity for no cap); trims at once. See init's poolCapBytes. */
export function setPoolCap(bytes: number): void {
  device('setPoolCap').pool.setCap(bytes);
}

/** Waits for all submitted GPU work (for timing; reading data waits by itself). */
export async function sync(): Promise<void> {
  realizeAll();
  await device('sync').sync();
}

/** A small forward and backward pass touching the kernels a typical training step uses. */
function typicalStep(): void {
  const x = randn([4, 8]);
  const w = randn([8, 3], { requiresGrad: true });
  let h = A.matmul(x, w);
  h = A.relu(A.add(h, A.tanh(A.sigmoid(h))));
  A.mean(A.logSoftmax(h, -1)).backward();
}

/**
 * Compiles pipelines ahead of use, asynchronously, throwing any compile error. With no argument it
 * warms up the kernels of a typical training step; pass a function to warm up your own workload.
 */
export async function precompile(workload: () => void = typicalStep): Promise<number> {
  const d = device('precompile');
  const specs = d.captureKernels(() => tidy(() => void workload()));
  const unique = [...new Set(specs)];
  await Promise.all(unique.map((s) => d.pipelines.compile(s)));
  return unique.length;
}
