// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): two zero bytes, a
// type code, a dimension count d, d big-endian uint32 sizes, then the values big-endian. Files may be
// gzipped (decompressed with the platform's DecompressionStream). Everything is checked before any
// tensor exists, and every error names the file.
import { fail } from '../device/index.ts';
import { readRequired, type ByteSource } from './files.ts';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
const CODES: Record<number, [IdxDtype, number]> = { 0x08: ['uint8', 1], 0x09: ['int8', 1], 0x0b: ['int16', 2], 0x0c: ['int32', 4], 0x0d: ['float32', 4], 0x0e: ['float64', 8] };

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  /** The values in row-major order, in native byte order. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export interface IdxExpect {
  /** The dtype the file must hold. */
  dtype?: IdxDtype;
  /** The number of dimensions it must have. */
  ndim?: number;
}

const hex = (v: number, digits = 2) => `0x${v.toString(16).padStart(digits, '0')}`;

/** Decompresses gzip data (recognised by its 1f 8b magic); anything else is returned as is. */
export async function gunzip(bytes: Uint8Array, name: string, op = 'readIdx'): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  if (typeof DecompressionStream === 'undefined') fail(op, `${name} is gzipped, but this runtime has no DecompressionStream`, 'decompress it first (gunzip), or use Node >= 18, Deno or a current browser');
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    return fail(op, `${name} is not valid gzip data (${(e as Error).message}); the file is truncated or damaged`, 'download or install it again');
  }
}

/** Parses (uncompressed) IDX bytes, checking the magic number, type, dimensions and length. */
export function parseIdx(bytes: Uint8Array, name: string, expect: IdxExpect = {}, op = 'readIdx'): IdxArray {
  const bad = (problem: string, fix = 'pass an IDX file such as train-images-idx3-ubyte(.gz)'): never => fail(op, `${name}: ${problem}`, fix);
  if (bytes.length < 4) bad(`the file is ${bytes.length} bytes, too short for the 4-byte IDX magic number`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) bad(`bad magic number ${hex(magic, 8)}; an IDX file starts with two zero bytes, a type code and a dimension count`);
  const code = bytes[2]!;
  const ndim = bytes[3]!;
  const type = CODES[code];
  if (!type) bad(`unknown type code ${hex(code)} in magic number ${hex(magic, 8)}`, 'the IDX type codes are 0x08 (uint8), 0x09, 0x0b, 0x0c, 0x0d and 0x0e');
  const [dtype, size] = type;
  if (expect.dtype && dtype !== expect.dtype) bad(`holds ${dtype} values (type code ${hex(code)}), expected ${expect.dtype}`, 'pass the matching file (images and labels are uint8)');
  if (expect.ndim !== undefined && ndim !== expect.ndim) bad(`has ${ndim} dimension${ndim === 1 ? '' : 's'}, expected ${expect.ndim}`, 'pass the matching file (images have 3 dimensions, labels 1)');
  const head = 4 + 4 * ndim;
  if (bytes.length < head) bad(`is truncated: its header needs ${head} bytes for ${ndim} dimensions, the file has ${bytes.length}`);
  const shape = Array.from({ length: ndim }, (_, i) => dv.getUint32(4 + 4 * i));
  const count = shape.reduce((p, q) => p * q, 1);
  const want = head + count * size;
  if (bytes.length < want) bad(`is truncated: the header promises ${shape.join(' x ')} ${dtype} values (${want} bytes with the header), the file has ${bytes.length}`, 'download or install it again');
  if (bytes.length > want) bad(`has ${bytes.length - want} bytes after the ${shape.join(' x ')} values its header declares`, 'pass an unmodified IDX file');
  let data: IdxArray['data'];
  if (size === 1) data = dtype === 'uint8' ? bytes.slice(head, want) : new Int8Array(bytes.slice(head, want).buffer);
  else {
    const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype as 'int16' | 'int32' | 'float32' | 'float64'];
    const out = new Ctor(count);
    const get = { int16: dv.getInt16, int32: dv.getInt32, float32: dv.getFloat32, float64: dv.getFloat64 }[dtype as 'int16'].bind(dv);
    for (let i = 0; i < count; i++) out[i] = get(head + i * size);
    data = out;
  }
  return { dtype, shape, data };
}

/** Reads an IDX file (gzipped or not) from a path, a URL or bytes; `name` is used in errors. */
export async function readIdx(source: ByteSource, opts: IdxExpect & { name?: string } = {}): Promise<IdxArray> {
  const name = opts.name ?? (typeof source === 'string' || source instanceof URL ? String(source) : 'IDX data');
  const bytes = await gunzip(await readRequired(source, 'readIdx'), name);
  return parseIdx(bytes, name, opts);
}

/**
 * Checks an images/labels pair: images [n, rows, cols] uint8, labels [n] uint8 with every label in
 * 0..classes-1; throws naming the file otherwise.
 */
export function checkPair(images: IdxArray, labels: IdxArray, names: [string, string], classes: number, op = 'readIdx'): void {
  if (images.shape.length !== 3) fail(op, `${names[0]}: has ${images.shape.length} dimensions, expected 3 (images)`);
  if (labels.shape.length !== 1) fail(op, `${names[1]}: has ${labels.shape.length} dimensions, expected 1 (labels)`);
  if (images.shape[0] !== labels.shape[0])
    fail(op, `${names[1]} has ${labels.shape[0]} labels but ${names[0]} has ${images.shape[0]} images`, 'pass the labels file that belongs to these images (train with train, t10k with t10k)');
  const i = labels.data.findIndex((v) => !(v >= 0 && v < classes && Number.isInteger(v)));
  if (i >= 0) fail(op, `${names[1]}: label ${labels.data[i]} at index ${i} is outside 0..${classes - 1}`, 'pass an unmodified labels file');
}
