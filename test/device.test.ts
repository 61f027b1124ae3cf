// The device layer seen through its counters: buffer recycling order, dispatch batching, upload and
// readback accounting, pipeline reuse across shapes, memory staying flat in loops, and the errors every
// bad call must raise (a WebGradError naming the op) before any GPU work.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { fill, map } from '../src/kernels/index.ts';
import { UniformArena } from '../src/device/index.ts';

const dev = () => wg.device();
const twice = { name: 'test-twice', expr: 'a * 2.0', ct: 'f32' as const };

/** The change in each counter while `fn` runs. */
async function delta(fn: () => unknown): Promise<Record<string, number>> {
  const s0 = { ...dev().stats };
  await fn();
  const s1 = dev().stats;
  return Object.fromEntries(Object.entries(s1).map(([k, v]) => [k, v - (s0 as unknown as Record<string, number>)[k]!]));
}

describe('buffer pool', () => {
  it('the hazard is real: an upload overtakes commands encoded before it but not yet submitted', async () => {
    await wg.sync();
    const a = wg.tensor(Float32Array.of(1, 2, 3, 4));
    const b = wg.empty([4], 'float32', 'test');
    map(dev(), twice, [a], b);
    // Were `a`'s buffer handed to a new tensor now, its upload would land here, before the map runs.
    dev().upload(a.buffer, Float32Array.of(-1, -1, -1, -1));
    expect(Array.from(await b.data())).toEqual([-2, -2, -2, -2]);
    a.dispose();
    b.dispose();
  });

  it('so a buffer freed while encoded commands read it is reused only after they are submitted', async () => {
    await wg.sync();
    const n = 1000;
    const data1 = Float32Array.from({ length: n }, (_, i) => i);
    const a = wg.tensor(data1);
    const old = a.buffer;
    const b = wg.empty([n], 'float32', 'test');
    map(dev(), twice, [a], b);
    const submits = dev().stats.submits;
    a.dispose();
    const c = wg.tensor(new Float32Array(n).fill(-1));
    expect(dev().stats.submits).toBe(submits);
    expect(c.buffer).not.toBe(old);
    expect(Array.from(await b.data())).toEqual(Array.from(data1, (v) => 2 * v));
    // After the submit the parked buffer is recycled, so the check above could have failed.
    const hits = dev().stats.poolHits;
    const d = wg.tensor(new Float32Array(n).fill(5));
    expect(d.buffer).toBe(old);
    expect(dev().stats.poolHits).toBe(hits + 1);
    expect(Array.from(await d.data())).toEqual(Array.from({ length: n }, () => 5));
    for (const t of [b, c, d]) t.dispose();
  });

  it('recycles by size class: a freed buffer serves a slightly smaller request', async () => {
    const a = wg.zeros([1000]);
    const old = a.buffer;
    a.dispose();
    await wg.sync();
    const b = wg.zeros([990]);
    expect(b.buffer).toBe(old);
    b.dispose();
  });
});

describe('batching', () => {
  afterEach(() => {
    dev().batchSize = 256;
    wg.setFusion(true);
  });

  it('N small dispatches (N < batchSize) make one submit, at the first flush', async () => {
    await wg.sync();
    const outs = Array.from({ length: 10 }, () => wg.empty([4], 'float32', 'test'));
    const d = await delta(() => outs.forEach((o, i) => fill(dev(), o, i, 0)));
    expect(d.dispatches).toBe(10);
    expect(d.submits).toBe(0);
    const f = await delta(() => wg.sync());
    expect(f.submits).toBe(1);
    expect(Array.from(await outs[9]!.data())).toEqual([9, 9, 9, 9]);
    outs.forEach((o) => o.dispose());
  });

  it('a batch submits on its own every batchSize dispatches', async () => {
    await wg.sync();
    dev().batchSize = 4;
    const outs = Array.from({ length: 10 }, () => wg.empty([4], 'float32', 'test'));
    const d = await delta(() => outs.forEach((o) => fill(dev(), o, 1, 0)));
    expect(d.dispatches).toBe(10);
    expect(d.submits).toBe(2);
    expect((await delta(() => wg.sync())).submits).toBe(1);
    outs.forEach((o) => o.dispose());
  });

  it('ops without fusion dispatch once each; reading flushes', async () => {
    wg.setFusion(false);
    const x = wg.tensor([1, 2, 3]);
    await wg.sync();
    let y = x;
    const d = await delta(() => {
      for (let i = 0; i < 5; i++) y = y.add(1);
    });
    expect(d.dispatches).toBe(5);
    expect(d.submits).toBe(0);
    const r = await delta(async () => expect(Array.from(await y.data())).toEqual([6, 7, 8]));
    expect(r.submits).toBe(1);
    expect(r.readbacks).toBe(1);
  });
});

describe('init', () => {
  it('reports the runtime, adapter, features and limits, and holds the largest buffers the adapter allows', async () => {
    const info = await wg.init();
    expect(['browser', 'node', 'deno']).toContain(info.runtime);
    expect(typeof info.software).toBe('boolean');
    expect(typeof info.adapter.vendor).toBe('string');
    for (const f of ['shaderF16', 'timestampQuery', 'subgroups'] as const) expect(typeof info.features[f]).toBe('boolean');
    expect(info.features.subgroups).toBe(info.features.all.includes('subgroups'));
    const lim = dev().gpu.limits;
    expect(info.limits.maxBufferSize).toBe(lim.maxBufferSize);
    expect(info.limits.maxStorageBufferBindingSize).toBe(lim.maxStorageBufferBindingSize);
    // Above WebGPU's defaults (256 MiB, 128 MiB) wherever the adapter allows more, as SwiftShader does.
    expect(lim.maxBufferSize).toBeGreaterThanOrEqual(256 * 2 ** 20);
    expect(lim.maxStorageBufferBindingSize).toBeGreaterThan(128 * 2 ** 20);
  });
});

describe('stats', () => {
  it('counts uploads and their bytes; generated tensors upload nothing', async () => {
    const up = await delta(() => wg.tensor([[1, 2, 3], [4, 5, 6]]));
    expect(up.uploads).toBe(1);
    expect(up.uploadBytes).toBe(24);
    const gen = await delta(() => [wg.zeros([100]), wg.arange(10), wg.randn([50]), wg.eye(4)]);
    expect(gen.uploads).toBe(0);
    expect(gen.uploadBytes).toBe(0);
  });

  it('scalar operands travel in the uniform block: no upload per call, fused or not', async () => {
    const t = wg.tensor([1, 2, 3, 4]);
    const fused = await delta(() => t.add(2.5).mul(3).sub(1).data());
    wg.setFusion(false);
    try {
      const plain = await delta(() => t.add(2.5).mul(3).sub(1).data());
      expect(plain.uploads).toBe(0);
    } finally {
      wg.setFusion(true);
    }
    expect(fused.uploads).toBe(0);
  });

  it('counts readbacks and bytes; ops alone never read back', async () => {
    const t = wg.tensor([1, 2, 3, 4, 5]);
    const ops = await delta(() => t.add(1).mul(t).exp().sum().sqrt());
    expect(ops.readbacks).toBe(0);
    const rd = await delta(() => t.data());
    expect(rd.readbacks).toBe(1);
    expect(rd.readbackBytes).toBe(20);
    const item = await delta(() => t.sum().item());
    expect(item.readbacks).toBe(1);
    expect(item.readbackBytes).toBe(4);
  });

  it('uniform slots are as long as the parameters written, so a long block is not overwritten', () => {
    // No GPU work: the arena only creates its buffer and writes its CPU mirror here.
    const gpu = { createBuffer: () => ({}), queue: { writeBuffer: () => {} } } as unknown as GPUDevice;
    const arena = new UniformArena(gpu);
    const first = arena.slot((w) => w.u32s([], 80, 7));
    const second = arena.slot((w) => w.u32(1));
    const third = arena.slot((w) => w.u32(2));
    expect([first, second, third]).toEqual([0, 512, 768]);
    expect(() => arena.slot((w) => w.u32s([], 129))).toThrow(/516 bytes of parameters, over the 512-byte binding/);
  });

  it('device probes (init-time capability checks) are counted, and a rejected shader gives null', async () => {
    const code = `@group(0) @binding(0) var<uniform> u: vec4<u32>;
@group(0) @binding(1) var<storage, read_write> o: array<u32>;
@compute @workgroup_size(1) fn main() { o[0] = u.x + 1u; }`;
    const d = await delta(async () => {
      const out = await dev().probe('test-probe', code, [Uint32Array.of(41, 0, 0, 0)], 4);
      expect(Array.from(new Uint32Array(out!))).toEqual([42]);
    });
    expect(d.readbacks).toBe(1);
    expect(d.uploads).toBe(1);
    expect(await dev().probe('test-bad-probe', 'this is not WGSL', [Uint32Array.of(0, 0, 0, 0)], 4)).toBeNull();
    // The device is still usable afterwards: the bad shader's error stayed in the probe's error scope.
    expect(await wg.tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
  });

  it('a new shape of the same op compiles no new pipeline', async () => {
    const step = (shape: number[]) =>
      wg.tidy(() => {
        const x = wg.randn(shape);
        const y = wg.rand(shape);
        const z = x.add(y).mul(2).relu().sum();
        const t = x.ndim > 1 ? x.T.add(y.T) : x.add(y);
        const c = wg.concat([x, y], -1).pad([1, 1]);
        const g = wg.indexSelect(x, -1, wg.tensor(Int32Array.of(0, 0)));
        return [z.add(t.sum()), c, g];
      });
    // Reductions pick a strategy by size (a row per thread, or per workgroup), so both are warmed up.
    for (const s of [[3, 4], [4], [130]]) step(s);
    await wg.sync();
    const before = wg.stats().pipelinesCompiled;
    for (const s of [[5, 7], [2, 3, 4], [127], [13, 1], [1, 9, 2, 2]]) step(s);
    await wg.sync();
    expect(wg.stats().pipelinesCompiled).toBe(before);
  });
});

describe('memory stays flat in loops', () => {
  it('1,000 training-like steps in tidy leave liveBuffers unchanged and stop allocating', async () => {
    const w = wg.keep(wg.randn([8, 4], { requiresGrad: true }));
    const x = wg.keep(wg.randn([16, 8]));
    const step = () =>
      wg.tidy(() => {
        const h = wg.sum(wg.mul(wg.unsqueeze(x, 2), w), 1).tanh();
        h.square().mean().backward();
        w.grad = null;
      });
    // Buffers freed during a batch are reusable only after it is submitted, so the pool fills up over
    // the first full batch (256 dispatches, ~30 steps); after that nothing new is allocated.
    for (let i = 0; i < 100; i++) step();
    await wg.sync();
    const live = wg.stats().liveBuffers;
    const misses = wg.stats().poolMisses;
    for (let i = 0; i < 1000; i++) step();
    await wg.sync();
    expect(wg.stats().liveBuffers).toBe(live);
    expect(wg.stats().poolMisses - misses).toBeLessThan(10);
    w.dispose();
    x.dispose();
  });

  it('1,000 async scopes with awaits inside leave liveBuffers unchanged', async () => {
    const x = wg.keep(wg.randn([32]));
    const live = wg.stats().liveBuffers;
    let last = 0;
    for (let i = 0; i < 1000; i++)
      last = await wg.scope(async () => {
        const y = x.mul(i).add(1).relu();
        await Promise.resolve();
        const s = y.sum();
        return i % 250 === 0 ? s.item() : 0;
      });
    expect(last).toBe(0);
    expect(wg.stats().liveBuffers).toBe(live);
    x.dispose();
  });

  it('tidy keeps what it returns and what was kept', async () => {
    const live = wg.stats().liveBuffers;
    let kept: wg.Tensor | null = null;
    const out = wg.tidy(() => {
      kept = wg.keep(wg.ones([3]));
      wg.zeros([3]);
      return { a: wg.ones([2]), list: [wg.ones([1])] };
    });
    expect(wg.stats().liveBuffers).toBe(live + 3);
    expect(out.a.isDisposed || out.list[0]!.isDisposed || kept!.isDisposed).toBe(false);
    for (const t of [out.a, out.list[0]!, kept!]) t.dispose();
    expect(wg.stats().liveBuffers).toBe(live);
  });
});

describe('errors: a WebGradError naming the op, before any GPU work', () => {
  /** Expects `fn` to throw a WebGradError matching `re` without dispatching or allocating. */
  function rejects(fn: () => unknown, re: RegExp): void {
    const s0 = { ...dev().stats };
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err, `expected an error matching ${re}`).toBeInstanceOf(wg.WebGradError);
    expect((err as Error).message).toMatch(re);
    expect(dev().stats.dispatches).toBe(s0.dispatches);
    expect(dev().stats.liveBuffers).toBe(s0.liveBuffers);
  }

  it('a WGSL compile error names the kernel and the line', async () => {
    const source = 'fn helper() -> f32 {\n  return 1.0;\n}\n@compute @workgroup_size(1) fn main() {\n  let x: f32 = helper() +;\n}\n';
    const e = await dev().pipelines.compile({ name: 'broken-kernel', source, reads: 0, writes: 0 }).catch((err: Error) => err);
    expect(e).toBeInstanceOf(wg.WebGradError);
    expect((e as Error).message).toMatch(/^compile broken-kernel: WGSL failed to compile:\s*line 5:\d+: /);
    expect((e as Error).message).toContain('let x: f32 = helper() +;');
  });

  it('use after dispose, in ops and in reads', async () => {
    const t = wg.tensor([1, 2]);
    t.dispose();
    rejects(() => t.add(1), /^add: a tensor \[2\] float32 \(made by tensor\) was used after dispose\(\)/);
    rejects(() => wg.concat([t]), /concat: .*used after dispose/);
    await expect(t.data()).rejects.toThrow(/^data: .*used after dispose/);
    t.dispose();
  });

  it('a tensor over the device buffer limit', () => {
    rejects(() => wg.zeros([2 ** 20, 2 ** 12]), /full: a tensor of shape \[1048576, 4096\] needs 17179869184 bytes, over this device's limit of \d+ bytes/);
    rejects(() => wg.randn([2 ** 31]), /randn: .*over this device's limit/);
  });

  // Inputs made up front, so only the failing call is measured.
  const P = {
    m23: wg.keep(wg.tensor([[1, 2, 3], [4, 5, 6]])),
    v2: wg.keep(wg.tensor([1, 2])),
    v4: wg.keep(wg.tensor([1, 2, 3, 4])),
    row: wg.keep(wg.tensor([[1, 2]])),
    f1: wg.keep(wg.tensor([0])),
    b1: wg.keep(wg.tensor([true])),
    y2: wg.keep(wg.tensor([1, 2], { requiresGrad: true }).mul(2)),
  };

  it.each([
    ['wrong data length', () => wg.tensor([1, 2, 3], { shape: [2, 2] }), /^tensor: 3 values cannot fill shape \[2, 2\] \(4 elements\)/],
    ['ragged nested array', () => wg.tensor([[1, 2], [3]]), /^tensor: nested array is ragged at depth 1: expected length 2/],
    ['too deep nested array', () => wg.tensor([[1, 2], [3, [4]]] as unknown as number[][]), /^tensor: nested array is ragged/],
    ['non-number element', () => wg.tensor(['a'] as unknown as number[]), /^tensor: element 0 is the string 'a', not a number/],
    ['negative size', () => wg.zeros([2, -1]), /^full: sizes must be non-negative integers, got \[2, -1\]/],
    ['fractional size', () => wg.ones([1.5]), /^full: sizes must be non-negative integers, got \[1.5\]/],
    ['fractional random size', () => wg.rand([2.5]), /^rand: sizes must be/],
    ['bad reshape', () => P.m23.reshape([4, 2]), /reshape: cannot view a tensor of shape \[2, 3\] \(6 elements\) as \[4, 2\]/],
    ['axis out of range', () => P.row.sum(2), /^sum: axis 2 is out of range for a tensor of rank 2.*\[-2, 1\]/],
    ['negative axis out of range', () => P.row.transpose(0, -3), /transpose: axis -3 is out of range/],
    ['broadcast failure', () => P.m23.add(P.v4), /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dimension 1: 3 vs 4\)/],
    ['expand failure', () => P.v2.expand([3, 3]), /expand: shape \[2\] cannot expand to \[3, 3\]/],
    ['requiresGrad on int32', () => wg.tensor([1], { dtype: 'int32', requiresGrad: true }), /^requiresGrad: only float32 tensors can require gradients, not int32/],
    ['requiresGrad_ on bool', () => P.b1.requiresGrad_(), /^requiresGrad_: only float32/],
    ['float index', () => wg.indexSelect(P.v2, 0, P.f1), /^indexSelect: the index tensor \[1\] has dtype float32, but indices must be int32/],
    ['implicit backward of a vector', () => P.y2.backward(), /^backward: a gradient can only be implied for a one-element output/],
    ['bad arange', () => wg.arange(0, 1, 0), /^arange: bad range/],
    ['bad randint', () => wg.randint(3, 3, [2]), /^randint: need integers low < high/],
    ['bad bernoulli p', () => wg.bernoulli(1.5, [2]), /^bernoulli: p must be in \[0, 1\]/],
  ])('%s', (_name, fn, re) => rejects(fn as () => unknown, re));

  it('reads reject too: item() of many elements', async () => {
    await expect(P.v2.item()).rejects.toThrow(/^item: only one-element tensors have an item; this one has shape \[2\]/);
  });
});

describe('disposal', () => {
  it('`using` disposes at the end of the block (Symbol.dispose)', async () => {
    const live = wg.stats().liveBuffers;
    let seen: wg.Tensor;
    {
      using t = wg.tensor([1, 2, 3]);
      seen = t;
      expect(t.isDisposed).toBe(false);
      expect(wg.stats().liveBuffers).toBe(live + 1);
    }
    expect(seen.isDisposed).toBe(true);
    expect(wg.stats().liveBuffers).toBe(live);
    const u = wg.ones([2]);
    u[Symbol.dispose]();
    expect(u.isDisposed).toBe(true);
  });

  it('views keep storage alive until the last one is disposed', async () => {
    const live = wg.stats().liveBuffers;
    const t = wg.tensor([[1, 2], [3, 4]]);
    const v = t.T;
    t.dispose();
    expect(wg.stats().liveBuffers).toBe(live + 1);
    expect(await v.toArray()).toEqual([[1, 3], [2, 4]]);
    v.dispose();
    expect(wg.stats().liveBuffers).toBe(live);
  });
});
