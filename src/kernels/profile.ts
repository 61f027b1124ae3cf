// What kernels know about a device, as data: built once per device by buildProfile() (init() awaits it)
// from the adapter's kind, features and limits and the init-time probes, then only read. No kernel looks
// at the adapter or runs a probe itself, and tests force a configuration by overriding this one object
// (withProfile / overrideProfile).
//
// The plan: CPU implementations of WebGPU (SwiftShader) run a workgroup's SIMD groups one after another
// on one thread: every workgroup barrier switches between all of them, and workgroup memory is no
// cheaper than storage. So on the software plan kernels avoid barriers and shared tiles (one invocation
// per row, register blocks); on the GPU plan they keep workgroup trees and shared tiles, whose lanes read
// coalesced. Measurements: bench/RESULTS.md.
import { fail, type Device } from '../device/index.ts';
import type { MatmulVariant } from './gemm-kernels.ts';
import { subgroupLanes, subgroupMatmulWorks } from './probe.ts';

export type Plan = 'software' | 'gpu';
export type { MatmulVariant };

/** When K is split across workgroups: below `fewGroups` output tiles, aiming at `targetGroups`. */
export interface SplitK {
  fewGroups: number;
  targetGroups: number;
}

export interface Profile {
  plan: Plan;
  /** Rows no longer than this get one invocation each: a workgroup would leave most of its lanes idle. */
  shortRow: number;
  /**
   * On the software plan, softmax rows get one invocation each unless there are fewer than softwareRows
   * of them and they are longer than softwareLongRow: 4096 rows of 1024 took 645 ms as a workgroup tree
   * per row and ~15 ms one per invocation, and 128 rows of 128 150 ms as trees. Only a few very long
   * rows gain more from a workgroup's lanes than they lose to its barriers.
   */
  softwareRows: number;
  softwareLongRow: number;
  /** Plain products; conv2d forward takes the tiled kernel under 'tiled', else its register variant. */
  matmul: MatmulVariant;
  /**
   * Split-K per kernel family. The tiled kernels aim at a large GPU's 100+ cores (a 128-row batch
   * through a 784x512 layer has only 16 output tiles); the register kernels at a CPU's few, where each
   * split costs an extra pass over the partial sums.
   */
  splitK: { tiled: SplitK; registers: SplitK; maxBytes: number };
  /** Elements one workgroup (GPU plan) or invocation (software plan) of a split reduction pass takes. */
  reduceChunk: number;
  /**
   * Reductions run one invocation per (row, split) on the software plan, and on both plans where the
   * kept axis is the faster one (reducing axis 0 of [B, C]: neighbouring invocations then read
   * neighbouring outputs' elements). Rows longer than shortRow are split until about reduceThreads
   * invocations run, each taking at least reduceRun elements. Software: [64, 1024].sum(1) took 28 ms as
   * a workgroup tree per row and [128, 64].sum(0) 30 ms; split, both run at the dispatch floor. A
   * software adapter runs each workgroup (256 invocations) on one thread, so the software target is
   * four workgroups.
   */
  reduceThreads: number;
  reduceRun: number;
  /**
   * ...but only passes over at least this many elements split for parallelism: below it the second
   * pass's dispatch costs more than one invocation walking a row (a whole-tensor sum of 4096 elements
   * went from one dispatch to two and lost 2-4x on the software plan). The software figure, 2^18, is
   * from a quiet machine (Node, best of 3): at 32768 `[64,1024].sum(1)` took 1.33 ms against 0.42,
   * `[1024,64].sum(0)` 0.93 against 0.35, `sum([64,16,10,10], [0,2,3])` 2.47 against 0.75, while
   * [4096, 1024] and [8, 65536] stayed within noise.
   */
  reduceSplitMin: number;
  /**
   * Per-invocation passes whose invocations each take fewer elements than this walk them with a plain
   * loop; longer ones unroll by four (independent accumulators). On SwiftShader the unrolled loop costs
   * each invocation even when it runs no iteration (a row of one element, which takes a bare load,
   * took 2.5x a copy with it compiled in and 1.7x without). Measured crossover (Node, best of 7):
   * [4096, 2].sum(1) 0.26 ms unrolled, 0.22 plain; [4096, 4] 0.30 and 0.28; [4096, 8] 0.31 and 0.35;
   * [4096, 32] 0.66 and 0.96.
   */
  reduceUnrollMin: number;
  /**
   * Software plan: reductions of fewer rows than this, each of at least reduceLanesMin elements, give
   * each row the reduceLanes lanes of one subgroup (0: subgroups unusable, see probe.ts) instead of one
   * invocation: a SIMD group then loads a row's neighbouring elements in one step, and the lanes combine
   * by shuffles in the same pass, where a split would take a second. Measured (raw WebGPU in Node, one
   * dispatch): a row of 4096 took 0.10 ms alone and 0.05 on four lanes; 3 rows of 4096 0.14 and 0.08;
   * 4 rows 0.09 and 0.10; a row of 512 0.035 and 0.031; of 128 0.029 and 0.032.
   */
  reduceLanes: number;
  /** What the subgroup probe found: the lanes of a subgroup, 0 where they are unusable. */
  subgroupLanes: number;
  reduceLanesRows: number;
  reduceLanesMin: number;
  /**
   * Products with at most this many rows (or columns) take the GEMV kernel: on the software plan a
   * barrier-free one (8 columns per invocation, every row in registers), on the GPU plan the workgroup
   * tree over K. The software figure is the measured crossover against the register kernel, whose 8x8
   * block wastes the rows it clamps (bench/RESULTS.md, "Shape sweep"): GEMV was 2-5x faster at 5-8 rows
   * too, so the software plan takes it as far as the kernel holds rows (GEMV_REG_ROWS, 8); the GPU figure
   * is the earlier fixed rule (no GPU measurement yet). 0 turns GEMV off.
   */
  gemvRows: number;
  /**
   * Products with up to gemvChunks * gemvRows rows (or columns) run as that many GEMV passes of gemvRows
   * each, when B holds at least gemvChunkMinWork elements (below it the extra dispatches cost more than
   * the clamped rows). On the software plan the 64-row register tile takes as long for 16 live rows as
   * for 64 ([16,1024] @ [1024,512]: 21 ms; one 8-row GEMV pass: 5 ms), so 2 passes win; the GPU plan
   * keeps 1 (not measured).
   */
  gemvChunks: number;
  gemvChunkMinWork: number;
  /** Whether matmul_sg.wgsl passed its probe here (needed for matmul: 'subgroups'). */
  subgroupMatmul: boolean;
}

const profiles = new WeakMap<Device, Profile>();

function baseProfile(dev: Device, subgroupMatmul: boolean, lanes: number): Profile {
  const plan: Plan = dev.info.software ? 'software' : 'gpu';
  return {
    plan,
    shortRow: 64,
    softwareRows: 512,
    softwareLongRow: 1 << 16,
    matmul: plan === 'gpu' ? 'tiled' : subgroupMatmul ? 'subgroups' : 'registers',
    splitK: { tiled: { fewGroups: 128, targetGroups: 256 }, registers: { fewGroups: 8, targetGroups: 16 }, maxBytes: 64 << 20 },
    reduceChunk: 4096,
    reduceThreads: plan === 'gpu' ? 16384 : 1024,
    reduceRun: plan === 'gpu' ? 32 : 64,
    reduceSplitMin: plan === 'gpu' ? 4096 : 1 << 18,
    reduceUnrollMin: 8,
    reduceLanes: plan === 'software' ? lanes : 0,
    subgroupLanes: lanes,
    reduceLanesRows: 4,
    reduceLanesMin: 512,
    gemvRows: plan === 'gpu' ? 4 : 8,
    gemvChunks: plan === 'gpu' ? 1 : 2,
    gemvChunkMinWork: 1 << 16,
    subgroupMatmul,
  };
}

/**
 * Builds and stores `dev`'s profile, running the probes it needs (only on software adapters, where the
 * subgroup product is the fast path), so no op ever waits on a probe and the first product already runs
 * the kernel later ones do.
 */
export async function buildProfile(dev: Device): Promise<Profile> {
  const probing = dev.info.software && dev.info.features.subgroups;
  const sg = probing ? await subgroupMatmulWorks(dev).catch(() => false) : false;
  const lanes = probing ? await subgroupLanes(dev).catch(() => 0) : 0;
  const p = baseProfile(dev, sg, lanes);
  profiles.set(dev, p);
  return p;
}

/** `dev`'s profile; a device made without init() gets the unprobed one. */
export function profileOf(dev: Device): Profile {
  let p = profiles.get(dev);
  if (!p) profiles.set(dev, (p = baseProfile(dev, false, 0)));
  return p;
}

/** Replaces fields of `dev`'s profile until the returned function restores it. For tests and tools. */
export function overrideProfile(dev: Device, patch: Partial<Profile>): () => void {
  const old = profileOf(dev);
  if (patch.reduceLanes && patch.reduceLanes !== old.subgroupLanes) fail('profile', `reduceLanes ${patch.reduceLanes} was forced, but subgroups here are ${old.subgroupLanes ? `${old.subgroupLanes} lanes` : 'unusable'}`, 'force 0 or profileOf(dev).subgroupLanes');
  if (patch.matmul === 'subgroups' && !old.subgroupMatmul) fail('profile', "matmul 'subgroups' was forced, but the subgroup matmul kernel has not passed its probe on this device", 'check profileOf(dev).subgroupMatmul first');
  profiles.set(dev, { ...old, ...patch });
  return () => void profiles.set(dev, old);
}

/** Runs `fn` (awaited when async) under a patched profile, restoring it afterwards. */
export async function withProfile<T>(dev: Device, patch: Partial<Profile>, fn: () => T | Promise<T>): Promise<T> {
  const restore = overrideProfile(dev, patch);
  try {
    return await fn();
  } finally {
    restore();
  }
}

/** Whether `rows` rows of `n` elements are reduced one row per invocation rather than a workgroup each. */
export function rowPerInvocation(p: Profile, rows: number, n: number): boolean {
  return n <= p.shortRow || (p.plan === 'software' && (rows >= p.softwareRows || n <= p.softwareLongRow));
}

/**
 * How many interleaved invocations share each of `rows` rows of `n` in a per-invocation reduction pass:
 * enough for chunks of at most reduceChunk (one pass takes up to two), and, for passes over
 * reduceSplitMin elements or more, enough for about reduceThreads invocations in all while each keeps
 * reduceRun elements or more.
 */
export function invocationSplit(p: Profile, rows: number, n: number): number {
  if (n <= p.shortRow) return 1;
  const forLength = n > 2 * p.reduceChunk ? Math.ceil(n / p.reduceChunk) : 1;
  const forThreads = rows * n < p.reduceSplitMin ? 1 : Math.min(Math.ceil(p.reduceThreads / Math.max(rows, 1)), Math.floor(n / p.reduceRun));
  return Math.max(1, forLength, forThreads);
}
