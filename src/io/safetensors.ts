// Tensors to and from safetensors bytes. Loading converts every tensor on the CPU first (F16 and BF16
// widened, I64 narrowed, U8 widened) and only then uploads, so a bad file creates no tensor at all.
// Saving reads each tensor back once (`await t.data()`), the only way data leaves the GPU.
import { fail, shapeStr } from '../device/index.ts';
import type { DType } from '../kernels/index.ts';
import { Tensor, tensor } from '../tensor/index.ts';
import { encodeHeader, parseHeader, type HeaderEntry, type SafetensorsDtype } from './format.ts';

export type StateDict = Record<string, Tensor>;
export type Metadata = Record<string, string>;

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const halfTable = (() => {
  // float16 bits -> float32 value, exact (every half is a float), including subnormals, inf and NaN.
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return t;
})();

type Host = { data: Float32Array | Int32Array | Uint8Array; dtype: DType };

/** One tensor's bytes as the typed array webgrad uploads, with every value checked. */
function convert(e: HeaderEntry, bytes: Uint8Array, at: number, op: string): Host {
  const n = e.shape.reduce((p, q) => p * q, 1);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, e.end - e.begin);
  switch (e.dtype) {
    case 'F32':
    case 'I32': {
      const out = e.dtype === 'F32' ? new Float32Array(n) : new Int32Array(n);
      if (LITTLE) new Uint8Array(out.buffer).set(bytes.subarray(at, at + n * 4));
      else for (let i = 0; i < n; i++) out[i] = e.dtype === 'F32' ? dv.getFloat32(i * 4, true) : dv.getInt32(i * 4, true);
      return { data: out, dtype: e.dtype === 'F32' ? 'float32' : 'int32' };
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfTable[dv.getUint16(i * 2, true)]!;
      return { data: out, dtype: 'float32' };
    }
    case 'BF16': {
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
      return { data: new Float32Array(bits.buffer), dtype: 'float32' };
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = dv.getUint32(i * 8, true);
        const hi = dv.getInt32(i * 8 + 4, true);
        if (!((hi === 0 && lo <= 0x7fffffff) || (hi === -1 && lo >= 0x80000000)))
          fail(op, `tensor '${e.name}' (I64 ${shapeStr(e.shape)}) holds ${dv.getBigInt64(i * 8, true)} at element ${i}, outside the int32 range webgrad stores integers in`, 'save it as int32 (tensor.int() in PyTorch) with values in [-2^31, 2^31)');
        out[i] = lo | 0;
      }
      return { data: out, dtype: 'int32' };
    }
    case 'U8':
      return { data: Int32Array.from(bytes.subarray(at, at + n)), dtype: 'int32' };
    case 'BOOL': {
      const out = bytes.slice(at, at + n);
      const i = out.findIndex((v) => v > 1);
      if (i >= 0) fail(op, `tensor '${e.name}' (BOOL ${shapeStr(e.shape)}) has byte ${out[i]} at element ${i}; booleans are 0 or 1`, 'pass an unmodified .safetensors file');
      return { data: out, dtype: 'bool' };
    }
  }
}

function asBytes(source: Uint8Array | ArrayBuffer, op: string): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return fail(op, `expected the file's bytes as a Uint8Array or ArrayBuffer, got ${source === null ? 'null' : typeof source === 'object' ? (source as object).constructor?.name : typeof source}`, 'use io.load() for paths, URLs, Blobs and Responses');
}

/** The `__metadata__` strings and the tensors' names, dtypes and shapes, without creating any tensor. */
export function readSafetensorsHeader(bytes: Uint8Array | ArrayBuffer): { metadata: Metadata | null; tensors: { name: string; dtype: SafetensorsDtype; shape: number[] }[] } {
  const h = parseHeader(asBytes(bytes, 'readSafetensorsHeader'), 'readSafetensorsHeader');
  return { metadata: h.metadata, tensors: h.entries.map(({ name, dtype, shape }) => ({ name, dtype, shape })) };
}

/**
 * Tensors from safetensors bytes, by name. Synchronous: it only uploads. F16 and BF16 become float32;
 * I64 and U8 become int32 (an I64 value outside int32 is an error); BOOL becomes bool. The file is
 * fully checked before any tensor is made. The caller owns the result (dispose it, or load in tidy).
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): StateDict {
  const op = 'loadSafetensors';
  const b = asBytes(bytes, op);
  const h = parseHeader(b, op);
  const hosts = h.entries.map((e) => convert(e, b, h.dataStart + e.begin, op));
  const out: StateDict = {};
  const made: Tensor[] = [];
  try {
    h.entries.forEach((e, i) => {
      const t = tensor(hosts[i]!.data, { shape: e.shape, dtype: hosts[i]!.dtype });
      made.push(t);
      Object.defineProperty(out, e.name, { value: t, enumerable: true, writable: true, configurable: true });
    });
  } catch (err) {
    made.forEach((t) => t.dispose());
    throw err;
  }
  return out;
}

const CODES: Record<DType, SafetensorsDtype> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** Checks a state dict and metadata before any readback; returns the entries in dict order. */
function checkDict(dict: StateDict, metadata: Metadata | undefined, op: string): [string, Tensor][] {
  if (dict === null || typeof dict !== 'object' || dict instanceof Tensor || Array.isArray(dict))
    fail(op, `expected a Record<string, Tensor> (e.g. model.stateDict()), got ${dict instanceof Tensor ? 'a Tensor' : Array.isArray(dict) ? 'an array' : String(dict)}`, 'pass {name: tensor, ...}');
  const entries = Object.entries(dict);
  for (const [k, t] of entries) {
    if (k === '__metadata__') fail(op, `a tensor cannot be named __metadata__; the format reserves that key`, 'rename it');
    if (!(t instanceof Tensor)) fail(op, `'${k}' is ${t === null ? 'null' : typeof t}, not a Tensor`, 'pass only tensors; put strings in the metadata argument');
    t.assertLive(op);
    if (!CODES[t.dtype]) fail(op, `'${k}' has dtype ${t.dtype}, which safetensors cannot hold here`);
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) fail(op, `metadata must be an object of strings, got ${String(metadata)}`);
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string') fail(op, `metadata '${k}' is ${typeof v}; safetensors metadata values must be strings`, 'convert it with String() or JSON.stringify()');
  }
  return entries;
}

/**
 * The safetensors bytes of a state dict (F32, I32 and BOOL), with optional string metadata. Async
 * because each tensor is read back from the GPU once. 4-byte tensors come first so every tensor
 * starts aligned; the header is padded with spaces so the data starts on an 8-byte boundary.
 */
export async function saveSafetensors(dict: StateDict, metadata?: Metadata): Promise<Uint8Array> {
  const op = 'saveSafetensors';
  const entries = checkDict(dict, metadata, op);
  const ordered = [...entries.filter(([, t]) => t.dtype !== 'bool'), ...entries.filter(([, t]) => t.dtype === 'bool')];
  const layout: HeaderEntry[] = [];
  let at = 0;
  for (const [name, t] of ordered) {
    const size = t.dtype === 'bool' ? 1 : 4;
    layout.push({ name, dtype: CODES[t.dtype], shape: [...t.shape], begin: at, end: at + t.numel() * size });
    at += t.numel() * size;
  }
  const datas: (Float32Array | Int32Array | Uint8Array)[] = [];
  for (const [, t] of ordered) datas.push(await t.data());
  const head = encodeHeader(layout, metadata ?? null);
  const out = new Uint8Array(head.length + at);
  out.set(head);
  const dv = new DataView(out.buffer, head.length);
  layout.forEach((e, i) => {
    const d = datas[i]!;
    if (d instanceof Uint8Array) out.set(d, head.length + e.begin);
    else if (LITTLE) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), head.length + e.begin);
    else for (let j = 0; j < d.length; j++) d instanceof Float32Array ? dv.setFloat32(e.begin + j * 4, d[j]!, true) : dv.setInt32(e.begin + j * 4, d[j]!, true);
  });
  return out;
}
