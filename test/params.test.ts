// Kernel parameters are declared once (src/kernels/params.ts): the schema generates the WGSL struct and
// writes the uniforms by name, so a field added or dropped on one side alone must fail loudly. And the
// device profile (src/kernels/profile.ts) is the one place kernel choices come from.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { UniformWriter } from '../src/device/index.ts';
import {
  DropoutParams,
  FillParams,
  GatherParams,
  GemmParams,
  GradEditParams,
  MapParams,
  MAX_DIMS,
  NormParams,
  ChannelParams,
  OptimParams,
  params,
  PoolParams,
  RandomParams,
  ReduceParams,
  RnnCellParams,
  SoftmaxParams,
  WG,
  expandIncludes,
  overrideProfile,
  profileOf,
  render,
  withProfile,
  type ParamsSchema,
  type ShaderName,
  type ShaderParams,
} from '../src/kernels/index.ts';
import { SOURCES } from '../src/kernels/shaders.gen.ts';
import { device } from '../src/tensor/context.ts';

const dev = () => device();

function writeTo(schema: ParamsSchema<any>, v: Record<string, unknown>): DataView {
  const view = new DataView(new ArrayBuffer(512));
  schema.write(new UniformWriter(view, 0), v as never);
  return view;
}

// Every kernel shader with its schema and placeholder values of the right kinds.
const SHADERS: { [N in ShaderName]: [ParamsSchema<any>, ShaderParams[N]] } = {
  map: [MapParams, { TA: 'f32', TB: 'f32', TC: 'f32', TO: 'f32', CT: 'f32', LOAD_B: 'f32(B[ib])', PRE: '', EXPR: 'a + b * u.alpha' }],
  fill: [FillParams, { TO: 'f32', VALUE: 'u.fstart + u.fstep * f32(i)' }],
  random: [RandomParams, { TO: 'f32' }],
  reduce: [ReduceParams, { TX: 'f32', TO: 'f32', CT: 'f32', INIT: '0', COMBINE: 'acc + v', MAP: 'v', FINAL: 'acc * u.scale', SHUFFLE: 'acc' }],
  argreduce: [ReduceParams, { TX: 'f32', CT: 'f32', INIT: '0', BETTER: 'b > a', LOAD: 'let v = f32(X[p]); let ix = j;' }],
  softmax: [SoftmaxParams, {}],
  gather: [GatherParams, { TX: 'f32', TO: 'f32', MODE: 'gather_one' }],
  matmul: [GemmParams, { MODE: '0' }],
  matmul_reg: [GemmParams, { MODE: '1' }],
  matmul_sg: [GemmParams, {}],
  matmul_gemv: [GemmParams, { ROWS: '3' }],
  pool2d: [PoolParams, { TH: 'f32', TO: 'f32', MODE: '0' }],
  optim: [OptimParams, { ALGO: '3' }],
  optim_grad: [GradEditParams, { MODE: '1' }],
  norm: [NormParams, {}],
  norm_backward: [NormParams, {}],
  norm_channel: [ChannelParams, {}],
  norm_channel_sums: [ChannelParams, {}],
  dropout: [DropoutParams, {}],
  rnn_cell: [RnnCellParams, {}],
  rnn_cell_backward: [RnnCellParams, {}],
};

describe('kernel parameter schemas', () => {
  it('generate the struct with WGSL uniform alignment: vec4 and arrays on 16 bytes, u64 as two words', () => {
    const s = params('T', { a: 'u32', b: 'f32', v: 'vec4<i32>', c: 'u32', seed: 'u64', list: ['u32', 8] }, { fooBar: 2 });
    expect(s.wgsl).toContain('struct Params {\n  a: u32,\n  b: f32,\n  _pad0: u32,\n  _pad1: u32,\n  v: vec4<i32>,\n  c: u32,\n  seed_lo: u32,\n  seed_hi: u32,\n  _pad2: u32,\n  list: array<vec4<u32>, 2>,\n}');
    expect(s.wgsl).toContain('@group(0) @binding(0) var<uniform> u: Params;');
    expect(s.wgsl).toContain('const F_FOO_BAR: u32 = 2u;');
    expect(s.bytes).toBe(80);
    const v = writeTo(s, { a: 7, b: 1.5, v: [-1, 2], c: 9, seed: (5n << 32n) | 3n, list: [4, 5, 6] });
    const words = Array.from({ length: 20 }, (_, i) => v.getUint32(i * 4, true));
    expect(words).toEqual([7, 0x3fc00000, 0, 0, 0xffffffff, 2, 0, 0, 9, 3, 5, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
  });

  it('keep the layouts the kernels had: the reduce block puts its shapes at byte 48, the GEMM block is 224 bytes', () => {
    expect(ReduceParams.bytes).toBe(48 + 4 * MAX_DIMS * 4);
    const v = writeTo(ReduceParams, { ...ReduceParams.zero(), nout: 3, coff: 11, oshape: [2, 5] });
    expect([v.getUint32(0, true), v.getUint32(32, true), v.getUint32(48, true), v.getUint32(52, true)]).toEqual([3, 11, 2, 5]);
    expect(GemmParams.bytes).toBe(96 + 10 * 16);
    expect(GemmParams.wgsl).toMatch(/const F_A_KFAST: u32 = 1u;\nconst F_B_NFAST: u32 = 2u;\nconst F_BIAS: u32 = 4u;/);
  });

  it('refuse a missing, unknown, mistyped or too long field, naming it', () => {
    const ok = { n: 4, fstart: 0, fstep: 1, istart: 0, istep: 1 };
    expect(() => writeTo(FillParams, ok)).not.toThrow();
    const { istep: _, ...missing } = ok;
    expect(() => writeTo(FillParams, missing)).toThrow(/params:Fill: the uniform schema has no value for field 'istep'/);
    expect(() => writeTo(FillParams, { ...ok, extra: 1 })).toThrow(/has no field 'extra'/);
    expect(() => writeTo(FillParams, { ...ok, n: [4] })).toThrow(/field 'n' must be a number/);
    expect(() => writeTo(RandomParams, { ...RandomParams.zero(), seed: 1 })).toThrow(/field 'seed' must be a bigint/);
    expect(() => writeTo(MapParams, { ...MapParams.zero(), shape: new Array(MAX_DIMS + 1).fill(1) })).toThrow(/field 'shape' holds at most 8 values, got 9/);
    expect(() => params('Big', { a: ['u32', 132] })).toThrow(/over the 512-byte uniform binding/);
  });

  it('cover every member each shader reads, and every shader marks its struct once', () => {
    const includes = new Set(['prelude']);
    for (const name of Object.keys(SHADERS)) for (const m of expandIncludes(name).matchAll(/^#include (\w+)/gm)) includes.add(m[1]!);
    for (const src of Object.values(SOURCES)) for (const m of src.matchAll(/^#include (\w+)/gm)) includes.add(m[1]!);
    // Every .wgsl file is a kernel listed here or a file included by one.
    expect(Object.keys(SOURCES).filter((n) => !includes.has(n)).sort()).toEqual(Object.keys(SHADERS).sort());
    for (const [name, [schema, values]] of Object.entries(SHADERS) as [ShaderName, [ParamsSchema<any>, never]][]) {
      const text = render(name, schema, values);
      expect(text, name).not.toMatch(/\{\{|#include/);
      expect(text.match(/struct Params \{/g), name).toHaveLength(1);
      const used = new Set([...text.matchAll(/\bu\.([A-Za-z_]\w*)/g)].map((m) => m[1]!));
      expect([...used].filter((m) => !schema.members.has(m)), `${name} reads members its schema lacks`).toEqual([]);
    }
    // The shared constants come from src/kernels/constants.ts.
    expect(render('fill', FillParams, SHADERS.fill[1])).toMatch(new RegExp(`^const WG: u32 = ${WG}u;\\nconst MAX_DIMS: u32 = ${MAX_DIMS}u;`));
  });

  it('a shader reading a field the schema does not declare fails to compile', async () => {
    const fill = (schema: ParamsSchema<any>, v: Record<string, unknown>) => {
      const bytes = new Uint8Array(256);
      schema.write(new UniformWriter(new DataView(bytes.buffer), 0), v as never);
      const code = render('fill', schema, { TO: 'i32', VALUE: 'u.istart + u.istep * i32(i)' });
      return dev().probe('test-fill', code, [bytes], 16);
    };
    const out = await fill(FillParams, { n: 4, fstart: 0, fstep: 0, istart: 3, istep: 2 });
    expect(Array.from(new Int32Array(out!))).toEqual([3, 5, 7, 9]);
    const lacking = params('FillLacking', { n: 'u32', fstart: 'f32', fstep: 'f32', istart: 'i32' });
    expect(await fill(lacking, { n: 4, fstart: 0, fstep: 0, istart: 3 })).toBeNull();
  });
});

describe('the device profile', () => {
  const restores: (() => void)[] = [];
  afterEach(() => {
    while (restores.length) restores.pop()!();
  });

  it('is built at init from the adapter and the probes', () => {
    const p = profileOf(dev());
    const info = dev().info;
    expect(p.plan).toBe(info.software ? 'software' : 'gpu');
    expect(p.matmul).toBe(p.plan === 'gpu' ? 'tiled' : p.subgroupMatmul ? 'subgroups' : 'registers');
    if (!info.features.subgroups || !info.software) expect(p.subgroupMatmul).toBe(false);
  });

  it('a patch drives the kernels and is undone; the subgroup kernel cannot be forced where its probe failed', async () => {
    const before = profileOf(dev());
    const a = wg.tensor(Float32Array.from({ length: 9 * 7 }, (_, i) => i % 5), { shape: [9, 7] });
    const b = wg.tensor(Float32Array.from({ length: 7 * 11 }, (_, i) => i % 3), { shape: [7, 11] });
    const want = await wg.matmul(a, b).data();
    for (const matmul of ['tiled', 'registers'] as const) {
      await withProfile(dev(), { matmul, plan: 'gpu' }, async () => {
        expect(profileOf(dev()).matmul).toBe(matmul);
        expect(profileOf(dev()).plan).toBe('gpu');
        wg.resetStats();
        expect(Array.from(await wg.matmul(a, b).data())).toEqual(Array.from(want));
      });
    }
    expect(profileOf(dev())).toBe(before);
    if (!before.subgroupMatmul) expect(() => restores.push(overrideProfile(dev(), { matmul: 'subgroups' }))).toThrow(/has not passed its probe/);
    restores.push(overrideProfile(dev(), { reduceChunk: 4 }));
    wg.resetStats();
    expect(await wg.tensor(Float32Array.from({ length: 300 }, (_, i) => i)).sum().item()).toBe(44850);
    // 300 elements (past the short-row limit) in chunks of 4: split passes, then the partials.
    expect(Object.keys(wg.stats().kernels).filter((k) => k.startsWith('reduce:sum')).length).toBeGreaterThan(1);
  });
});
