// The safetensors container (https://github.com/huggingface/safetensors, "Format"): an 8-byte
// little-endian header length N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets}}` with an
// optional `__metadata__` of strings, then the tensors' raw little-endian bytes, offsets relative to
// the end of the header. This file only parses and checks the header; it never touches a tensor.
import { fail } from '../device/index.ts';

/** Bytes per element of every dtype the format defines; webgrad reads the SUPPORTED ones. */
const SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
export const SUPPORTED = ['F32', 'F16', 'BF16', 'I32', 'I64', 'U8', 'BOOL'] as const;
export type SafetensorsDtype = (typeof SUPPORTED)[number];

export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range in the data section, [begin, end). */
  begin: number;
  end: number;
}

export interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string> | null;
  /** Where the data section starts in the file: 8 + header length. */
  dataStart: number;
}

/** The reference implementation refuses headers over 100 MB; so do we, before decoding one. */
const MAX_HEADER = 100_000_000;

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks the header of a whole safetensors file; throws naming the tensor and the problem. */
export function parseHeader(bytes: Uint8Array, op: string): Header {
  const bad = (problem: string, fix?: string): never => fail(op, problem, fix ?? 'pass an unmodified .safetensors file');
  if (bytes.byteLength < 8) bad(`the data is ${bytes.byteLength} bytes, shorter than the 8-byte header length that starts a safetensors file`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const room = bytes.byteLength - 8;
  if (n > BigInt(room)) bad(`the header length says ${n} bytes but only ${room} bytes follow it (the file is truncated, or not safetensors)`);
  if (n > BigInt(MAX_HEADER)) bad(`the header is ${n} bytes, over the 100 MB limit of the format`);
  const len = Number(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + len));
  } catch {
    return bad('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return bad(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) bad(`the header must be a JSON object, got ${Array.isArray(json) ? 'an array' : String(json)}`);

  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as object))
        if (typeof s !== 'string') bad(`__metadata__.${k} is ${typeof s}, but metadata values must be strings`);
      metadata = { ...(v as Record<string, string>) };
      continue;
    }
    const t = `tensor '${name}'`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(`${t} must be described by an object {dtype, shape, data_offsets}`);
    const o = v as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length) bad(`${t} has unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`, 'describe each tensor by dtype, shape and data_offsets only');
    const { dtype, shape, data_offsets: off } = o;
    if (typeof dtype !== 'string') bad(`${t} has no dtype string`);
    const size = SIZES[dtype as string];
    if (size === undefined) bad(`${t} has unknown dtype ${JSON.stringify(dtype)}`, `use one of ${Object.keys(SIZES).join(', ')}`);
    if (!(SUPPORTED as readonly string[]).includes(dtype as string))
      bad(`${t} has dtype ${dtype}, which webgrad cannot read`, `convert it to one of ${SUPPORTED.join(', ')} before saving (e.g. tensor.float() in PyTorch)`);
    if (!Array.isArray(shape) || !shape.every(isIndex)) bad(`${t} has shape ${JSON.stringify(shape)}; a shape is an array of non-negative integers`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isIndex) || off[0] > off[1])
      bad(`${t} has data_offsets ${JSON.stringify(off)}; they must be [begin, end] with 0 <= begin <= end`);
    const count = (shape as number[]).reduce((p, q) => p * q, 1);
    const [begin, end] = off as [number, number];
    if (count * size !== end - begin)
      bad(`${t} has shape [${(shape as number[]).join(', ')}] of ${dtype} (${count} x ${size} = ${count * size} bytes) but data_offsets [${begin}, ${end}] span ${end - begin} bytes`);
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end });
  }

  const dataLength = room - len;
  for (const e of entries)
    if (e.end > dataLength) bad(`tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}], past the end of the data section (${dataLength} bytes; the file is truncated?)`);
  // The format requires the tensors to tile the data section exactly: no overlap, no gap.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: HeaderEntry | null = null;
  for (const e of sorted) {
    if (e.begin < at) bad(`tensor '${e.name}' (bytes ${e.begin}..${e.end}) overlaps tensor '${prev!.name}' (bytes ${prev!.begin}..${prev!.end})`);
    if (e.begin > at) bad(`bytes ${at}..${e.begin} of the data section belong to no tensor (a gap before tensor '${e.name}')`);
    at = e.end;
    prev = e;
  }
  if (at !== dataLength) bad(`the data section is ${dataLength} bytes but the tensors cover only ${at}; ${dataLength - at} bytes at the end belong to no tensor`);
  return { entries, metadata, dataStart: 8 + len };
}

/** The header bytes for tensors laid out in `entries` order, padded with spaces to an 8-byte boundary. */
export function encodeHeader(entries: readonly HeaderEntry[], metadata: Record<string, string> | null): Uint8Array {
  // No prototype, so a tensor named __proto__ is a key like any other.
  const json: Record<string, unknown> = Object.create(null);
  if (metadata) json.__metadata__ = metadata;
  for (const e of entries) json[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = text.length + ((8 - ((8 + text.length) % 8)) % 8);
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(text, 8);
  return out;
}
