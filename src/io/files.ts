// Where safetensors bytes come from and go to: file paths under Node and Deno (node:fs is imported only
// when a path is used, so browser bundles never load it), URLs through fetch, and in-memory buffers,
// Blobs and Responses everywhere.
import { fail } from '../device/index.ts';
import type { Module } from '../nn/index.ts';
import { loadSafetensors, saveSafetensors, type Metadata, type StateDict } from './safetensors.ts';

export type Source = string | URL | Uint8Array | ArrayBuffer | Blob | Response;

const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
/** Node, Bun and Deno have node:fs; browsers do not. */
export const hasFileSystem = (): boolean => typeof g.process?.versions?.node === 'string' || g.Deno !== undefined;

const FS = 'node:fs/promises';
/** The part of node:fs/promises used here, typed locally: the build has no Node types. */
interface Fs {
  readFile(path: string | URL): Promise<Uint8Array>;
  writeFile(path: string | URL, data: Uint8Array): Promise<void>;
}
async function fs(op: string): Promise<Fs> {
  if (!hasFileSystem())
    fail(op, 'file paths need a file system, and this runtime (a browser) has none', 'pass a URL, a Response from fetch(), a Blob, or the bytes; save with io.saveBlob() or io.saveSafetensors()');
  // A computed specifier keeps bundlers from resolving node:fs for the browser.
  return (await import(/* @vite-ignore */ FS)) as Fs;
}

const isUrl = (s: string) => /^(https?|blob|data):/i.test(s);

async function fromResponse(r: Response, what: string, op: string): Promise<Uint8Array> {
  if (!r.ok) fail(op, `fetching ${what} failed with HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`, 'check the URL and that the server serves the file');
  return new Uint8Array(await r.arrayBuffer());
}

/** The bytes of any Source: a path (Node/Deno) or URL string, a URL, a buffer, a Blob or a Response. */
export async function readBytes(source: Source, op: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source, `the Response for ${source.url || 'a request'}`, op);
  if (source instanceof URL || typeof source === 'string') {
    const s = String(source);
    if (source instanceof URL ? source.protocol !== 'file:' : isUrl(s) || !hasFileSystem()) {
      let r: Response;
      try {
        r = await fetch(s);
      } catch (e) {
        return fail(op, `could not fetch ${s} (${(e as Error).message})`, 'check the URL and the network');
      }
      return fromResponse(r, s, op);
    }
    const f = await fs(op);
    try {
      return new Uint8Array(await f.readFile(source));
    } catch (e) {
      return fail(op, `could not read ${s} (${(e as Error).message})`, 'check the path');
    }
  }
  return fail(op, `cannot read from ${source === null ? 'null' : typeof source}`, 'pass a path, a URL, a Uint8Array, an ArrayBuffer, a Blob or a Response');
}

/** Loads a safetensors file from any Source; see loadSafetensors for the dtypes. The caller owns the tensors. */
export async function load(source: Source): Promise<StateDict> {
  return loadSafetensors(await readBytes(source, 'load'));
}

/** Writes a state dict as a safetensors file (Node and Deno). */
export async function save(path: string | URL, dict: StateDict, metadata?: Metadata): Promise<void> {
  if (typeof path !== 'string' && !(path instanceof URL)) fail('save', `the path must be a string or a file: URL, got ${typeof path}`, 'call io.save(path, model.stateDict())');
  const f = await fs('save');
  const bytes = await saveSafetensors(dict, metadata);
  try {
    await f.writeFile(path, bytes);
  } catch (e) {
    fail('save', `could not write ${String(path)} (${(e as Error).message})`, 'check that the folder exists and is writable');
  }
}

/** A state dict as a safetensors Blob, to download or upload in the browser (`new Response(blob)` for a Response). */
export async function saveBlob(dict: StateDict, metadata?: Metadata): Promise<Blob> {
  const bytes = await saveSafetensors(dict, metadata);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
}

/**
 * Loads a safetensors file into a module's existing parameters and buffers (module.loadStateDict,
 * strict by default) and frees the loaded copies.
 */
export async function loadInto<M extends Module<any, any>>(module: M, source: Source, opts: { strict?: boolean } = {}): Promise<M> {
  const dict = await load(source);
  try {
    module.loadStateDict(dict, opts);
  } finally {
    for (const t of Object.values(dict)) t.dispose();
  }
  return module;
}
