// Contract: src/io moves tensors in and out of safetensors files (the Hugging Face format, so PyTorch's
// `safetensors.torch.save_file(model.state_dict())` loads here and the reverse). Loading is checked in
// full on the CPU before any tensor is made: a malformed file throws an Error naming the tensor and
// the problem, and creates nothing. Reading converts F16/BF16 to float32, I64 (when it fits)/U8 to
// int32 and BOOL to bool; writing stores F32, I32 and BOOL. Saving reads each tensor back once with
// `await t.data()`; loading only uploads. Loaded tensors belong to the caller (dispose them, load
// inside tidy/scope, or use loadInto, which copies into a module and frees them).
//
//   saveSafetensors(dict, metadata?)  -> Promise<Uint8Array>
//   loadSafetensors(bytes)            -> Record<string, Tensor>           (synchronous)
//   readSafetensorsHeader(bytes)      -> {metadata, tensors: [{name, dtype, shape}]}
//   save(path, dict, metadata?)       -> Promise<void>                     (Node/Deno)
//   saveBlob(dict, metadata?)         -> Promise<Blob>                     (browser downloads)
//   load(source)                      -> Promise<Record<string, Tensor>>
//   loadInto(module, source, {strict}) -> Promise<module>
// A source is a file path (Node/Deno; a URL string in the browser), a URL (fetched unless file:), a
// Uint8Array, an ArrayBuffer, a Blob or a fetch Response. node:fs is imported only when a path is used.
export { saveSafetensors, loadSafetensors, readSafetensorsHeader, type StateDict, type Metadata } from './safetensors.ts';
export { SUPPORTED as SAFETENSORS_DTYPES, type SafetensorsDtype } from './format.ts';
export { load, save, saveBlob, loadInto, readBytes, type Source } from './files.ts';
