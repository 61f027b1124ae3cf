// Model files for the CLI: safetensors bytes through wg.io (src/io) when the build has it. Until src/io
// is merged, a minimal float32/int32 writer and reader stand in (delete them once wg.io exists).
// Runtime-agnostic: bytes in, bytes out; the Node command writes the file.
const DTYPES = { float32: 'F32', int32: 'I32' };

/** A state dict (name -> Tensor) and string metadata as safetensors bytes. */
export async function serializeModel(wg, stateDict, metadata = {}) {
  if (typeof wg.io?.saveSafetensors === 'function') return wg.io.saveSafetensors(stateDict, metadata);
  const header = { __metadata__: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])) };
  const chunks = [];
  let offset = 0;
  for (const [name, t] of Object.entries(stateDict)) {
    if (!DTYPES[t.dtype]) throw new Error(`serializeModel: '${name}' is ${t.dtype}; only float32 and int32 are supported`);
    const bytes = new Uint8Array((await t.data()).slice().buffer);
    header[name] = { dtype: DTYPES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Safetensors bytes back into {stateDict: name -> Tensor, metadata}. */
export async function deserializeModel(wg, bytes) {
  if (typeof wg.io?.loadSafetensors === 'function') {
    const r = await wg.io.loadSafetensors(bytes);
    return r.tensors ? { stateDict: r.tensors, metadata: r.metadata ?? {} } : { stateDict: r, metadata: {} };
  }
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const base = 8 + n;
  const stateDict = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = e.data_offsets;
    const raw = bytes.slice(base + a, base + b).buffer;
    const data = e.dtype === 'F32' ? new Float32Array(raw) : e.dtype === 'I32' ? new Int32Array(raw) : null;
    if (!data) throw new Error(`deserializeModel: '${name}' has dtype ${e.dtype}; only F32 and I32 are supported`);
    stateDict[name] = wg.tensor(data, { shape: e.shape, dtype: e.dtype === 'F32' ? 'float32' : 'int32' });
  }
  return { stateDict, metadata: header.__metadata__ ?? {} };
}
