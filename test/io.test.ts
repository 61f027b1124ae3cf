import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { io, nn } from '../src/index.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

/** A hand-made safetensors file: `header` as an object or raw text, then `data`; `len` overrides the length field. */
function file(header: object | string, data: ArrayLike<number> = [], len?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(Array.from(data), 8 + text.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const bits = async (t: wg.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

describe('safetensors', () => {
  it('round-trips float32, int32 and bool tensors, scalars and empty tensors, with metadata', async () => {
    const dict = {
      w: wg.tensor([[1.5, -2, 3e-8], [Infinity, -0, 7]]),
      idx: wg.tensor(Int32Array.from([0, -1, 2147483647, -2147483648]), { shape: [2, 2] }),
      mask: wg.tensor([true, false, true]),
      s: wg.tensor(0.25),
      none: wg.zeros([0, 3]),
      odd: wg.tensor(Int32Array.from([9])),
    };
    const bytes = await io.saveSafetensors(dict, { epoch: '3', note: 'héllo' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ epoch: '3', note: 'héllo' });
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: expect.any(Array) });
    expect(header.idx.dtype).toBe('I32');
    expect(header.mask).toEqual({ dtype: 'BOOL', shape: [3], data_offsets: [bytes.length - 8 - n - 3, bytes.length - 8 - n] });
    expect(header.s.shape).toEqual([]);
    // Every 4-byte tensor starts 4-aligned in the file.
    for (const k of ['w', 'idx', 's', 'odd']) expect((8 + n + header[k].data_offsets[0]) % 4).toBe(0);

    const back = io.loadSafetensors(bytes);
    expect(Object.keys(back).sort()).toEqual(Object.keys(dict).sort());
    for (const [k, t] of Object.entries(dict)) {
      expect(back[k]!.dtype).toBe(t.dtype);
      expect(back[k]!.shape).toEqual(t.shape);
      expect(Array.from(await back[k]!.data())).toEqual(Array.from(await t.data()));
    }
    expect(await bits(back.w!)).toEqual(await bits(dict.w)); // -0 and the subnormal survive
    expect(io.readSafetensorsHeader(bytes).metadata).toEqual({ epoch: '3', note: 'héllo' });
    // A view at an odd offset into a larger buffer (as Node's pooled Buffers are) reads the same.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const again = io.loadSafetensors(shifted.subarray(3));
    expect(await bits(again.w!)).toEqual(await bits(dict.w));
    expect(await again.idx!.toArray()).toEqual([[0, -1], [2147483647, -2147483648]]);
    [...Object.values(dict), ...Object.values(back), ...Object.values(again)].forEach((t) => t.dispose());
  });

  it('loads a PyTorch state_dict (fixture) into the same architecture and matches its outputs', async () => {
    const all = await io.load(fixture('torch_mlp.safetensors'));
    const { input, output, ...state } = all;
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
    expect(Object.keys(state).sort()).toEqual(Object.keys(model.stateDict()).sort());
    model.loadStateDict(state);
    const y = model(input!);
    const got = await y.data();
    const want = await output!.data();
    expect(y.shape).toEqual([5, 3]);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
    expect(io.readSafetensorsHeader(await io.readBytes(fixture('torch_mlp.safetensors'), 'test')).metadata?.format).toBe('pt');

    // loadInto copies into the module and frees what it loaded.
    const other = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
    const live = wg.stats().liveBuffers;
    await io.loadInto(other, fixture('torch_mlp.safetensors'), { strict: false });
    expect(wg.stats().liveBuffers).toBe(live);
    const y2 = other(input!);
    expect(Array.from(await y2.data())).toEqual(Array.from(got));
    [y, y2, ...Object.values(all)].forEach((t) => t.dispose());
    model.dispose();
    other.dispose();
  });

  it("reads F16, BF16, I64, U8 and BOOL as PyTorch converts them (fixture)", async () => {
    const d = await io.load(fixture('torch_dtypes.safetensors'));
    const hdr = io.readSafetensorsHeader(await io.readBytes(fixture('torch_dtypes.safetensors'), 'test'));
    expect(Object.fromEntries(hdr.tensors.map((t) => [t.name, t.dtype]))).toMatchObject({ half: 'F16', bf16: 'BF16', i64: 'I64', u8: 'U8', flags: 'BOOL' });
    for (const k of ['half', 'bf16']) {
      expect(d[k]!.dtype).toBe('float32');
      expect(await bits(d[k]!)).toEqual(await bits(d[`${k}_ref`]!));
    }
    for (const k of ['i64', 'u8']) {
      expect(d[k]!.dtype).toBe('int32');
      expect(await d[k]!.toArray()).toEqual(await d[`${k}_ref`]!.toArray());
    }
    expect(d.flags!.dtype).toBe('bool');
    expect(await d.flags!.toArray()).toEqual([[true, false], [false, true]]);
    expect(await d.u8!.toArray()).toEqual([0, 1, 127, 128, 255]);
    Object.values(d).forEach((t) => t.dispose());
  });

  it('converts hand-made F16 and BF16 bit patterns exactly', async () => {
    const h = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x7bff, 0x8000, 0x3555];
    const want = [1, -2, Infinity, -Infinity, 2 ** -24, 1023 * 2 ** -24, 65504, -0, 0.333251953125];
    const hb = new Uint8Array(new Uint16Array(h).buffer);
    const bb = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0, 0x7f80, 0x0001]).buffer);
    const bytes = file(
      { h: { dtype: 'F16', shape: [h.length], data_offsets: [0, hb.length] }, b: { dtype: 'BF16', shape: [2, 2], data_offsets: [hb.length, hb.length + 8] }, n: { dtype: 'F16', shape: [], data_offsets: [hb.length + 8, hb.length + 10] } },
      [...hb, ...bb, 0x00, 0x7e],
    );
    const d = io.loadSafetensors(bytes);
    const got = Array.from(await d.h!.data());
    got.forEach((v, i) => expect(Object.is(v, want[i])).toBe(true));
    expect(await d.b!.toArray()).toEqual([[1, -5], [Infinity, 2 ** -133]]);
    expect(Number.isNaN(await d.n!.item())).toBe(true);
    Object.values(d).forEach((t) => t.dispose());
  });

  it('a model saved and reloaded gives bit-identical predictions', async () => {
    const a = new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 4));
    const b = new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 4));
    const x = wg.randn([9, 6]);
    const bytes = await io.saveSafetensors(a.stateDict());
    await io.loadInto(b, bytes);
    const ya = a(x);
    const yb = b(x);
    expect(await bits(yb)).toEqual(await bits(ya));
    [x, ya, yb].forEach((t) => t.dispose());
    a.dispose();
    b.dispose();
  });

  it('loads from an ArrayBuffer, a Blob and a Response, and saves to a Blob', async () => {
    const t = wg.tensor([1, 2, 3]);
    const blob = await io.saveBlob({ t });
    expect(blob.size).toBeGreaterThan(8);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    for (const src of [bytes.buffer, blob, new Response(bytes)]) {
      const d = await io.load(src as io.Source);
      expect(await d.t!.toArray()).toEqual([1, 2, 3]);
      d.t!.dispose();
    }
    await expect(io.load(new Response('missing', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404/);
    t.dispose();
  });

  describe('rejects malformed files before creating any tensor', () => {
    const w = (dtype: string, shape: number[], off: number[]) => ({ dtype, shape, data_offsets: off });
    const cases: [string, Uint8Array, RegExp][] = [
      ['shorter than the length field', new Uint8Array(5), /5 bytes, shorter than the 8-byte header length/],
      ['a header length past the end of the file', file({ a: w('F32', [1], [0, 4]) }, f32(1), 1000n), /header length says 1000 bytes but only \d+ bytes follow/],
      ['a huge header length', file('{}', [], 2n ** 63n), /header length says \d+ bytes/],
      ['invalid JSON', file('{"a": {"dtype": "F32",', f32(1)), /not valid JSON/],
      ['invalid UTF-8', file('{}').map((v, i) => (i === 8 ? 0xff : v)), /not valid UTF-8/],
      ['a header that is not an object', file('[1, 2]'), /must be a JSON object, got an array/],
      ['an entry that is not an object', file({ a: 3 }), /tensor 'a' must be described by an object/],
      ['an unknown field', file({ a: { ...w('F32', [1], [0, 4]), strides: [1] } }, f32(1)), /tensor 'a' has unknown field strides/],
      ['an unknown dtype', file({ a: w('F99', [1], [0, 4]) }, f32(1)), /tensor 'a' has unknown dtype "F99"/],
      ['an unsupported dtype', file({ a: w('F64', [1], [0, 8]) }, new Uint8Array(8)), /tensor 'a' has dtype F64, which webgrad cannot read/],
      ['a bad shape', file({ a: w('F32', [2, -1], [0, 4]) }, f32(1)), /tensor 'a' has shape \[2,-1\]/],
      ['bad data_offsets', file({ a: w('F32', [1], [4, 0]) }, f32(1)), /tensor 'a' has data_offsets \[4,0\]/],
      ['shape times dtype size not matching the range', file({ a: w('F32', [2, 2], [0, 12]) }, new Uint8Array(12)), /tensor 'a' has shape \[2, 2\] of F32 \(4 x 4 = 16 bytes\) but data_offsets \[0, 12\] span 12 bytes/],
      ['offsets past the end (truncated data)', file({ a: w('F32', [1], [0, 4]), b: w('F32', [2], [4, 12]) }, f32(1, 2)), /tensor 'b' has data_offsets \[4, 12\], past the end of the data section \(8 bytes/],
      ['overlapping tensors', file({ a: w('F32', [2], [0, 8]), b: w('F32', [1], [4, 8]) }, f32(1, 2)), /tensor 'b' \(bytes 4..8\) overlaps tensor 'a' \(bytes 0..8\)/],
      ['a gap between tensors', file({ a: w('F32', [1], [0, 4]), b: w('F32', [1], [8, 12]) }, f32(1, 2, 3)), /bytes 4..8 of the data section belong to no tensor \(a gap before tensor 'b'\)/],
      ['trailing bytes', file({ a: w('F32', [1], [0, 4]) }, f32(1, 2)), /data section is 8 bytes but the tensors cover only 4/],
      ['non-string metadata', file({ __metadata__: { epoch: 3 }, a: w('F32', [1], [0, 4]) }, f32(1)), /__metadata__.epoch is number/],
      ['an I64 value outside int32', file({ a: w('F32', [1], [0, 4]), big: w('I64', [2], [4, 20]) }, [...f32(1), ...new Uint8Array(new BigInt64Array([5n, 2n ** 31n]).buffer)]), /tensor 'big' \(I64 \[2\]\) holds 2147483648 at element 1, outside the int32 range/],
      ['a BOOL byte other than 0 or 1', file({ a: w('F32', [1], [0, 4]), m: w('BOOL', [3], [4, 7]) }, [...f32(1), 1, 0, 2]), /tensor 'm' \(BOOL \[3\]\) has byte 2 at element 2/],
    ];
    for (const [what, bytes, msg] of cases)
      it(what, () => {
        const s0 = wg.stats();
        expect(() => io.loadSafetensors(bytes)).toThrow(msg);
        expect(() => io.loadSafetensors(bytes)).toThrow(/^loadSafetensors: /);
        const s1 = wg.stats();
        expect(s1.liveBuffers).toBe(s0.liveBuffers);
        expect(s1.uploads).toBe(s0.uploads);
      });
  });

  it('rejects bad state dicts and metadata before reading anything back', async () => {
    const t = wg.tensor([1]);
    const gone = wg.tensor([2]);
    gone.dispose();
    const r0 = wg.stats().readbacks;
    await expect(io.saveSafetensors({ a: t, b: 3 as unknown as wg.Tensor })).rejects.toThrow(/'b' is number, not a Tensor/);
    await expect(io.saveSafetensors({ a: t, b: gone })).rejects.toThrow(/used after dispose/);
    await expect(io.saveSafetensors({ __metadata__: t })).rejects.toThrow(/cannot be named __metadata__/);
    await expect(io.saveSafetensors({ a: t }, { n: 1 as unknown as string })).rejects.toThrow(/metadata 'n' is number/);
    await expect(io.saveSafetensors(t as unknown as io.StateDict)).rejects.toThrow(/got a Tensor/);
    expect(wg.stats().readbacks).toBe(r0);
    expect(() => io.loadSafetensors('x' as unknown as Uint8Array)).toThrow(/expected the file's bytes/);
    t.dispose();
  });
});
