// Model files for the CLI through wg.io (safetensors). Runtime-agnostic: bytes in, bytes out, so the
// Chromium page and Deno hand the bytes to the Node command, which writes the file.

/** A state dict (name -> Tensor) and string metadata as safetensors bytes (one readback per tensor). */
export function serializeModel(wg, stateDict, metadata = {}) {
  return wg.io.saveSafetensors(stateDict, metadata);
}

/** Safetensors bytes back into {stateDict: name -> Tensor (the caller disposes them), metadata}. */
export function deserializeModel(wg, bytes) {
  const { metadata } = wg.io.readSafetensorsHeader(bytes);
  return { stateDict: wg.io.loadSafetensors(bytes), metadata: metadata ?? {} };
}
