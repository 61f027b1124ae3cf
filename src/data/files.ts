// Bytes of a data file: a path under Node and Deno (node:fs imported only then, so browser bundles
// never load it), a URL through fetch (any string in the browser), or bytes already in memory.
import { fail } from '../device/index.ts';

export type ByteSource = string | URL | Uint8Array | ArrayBuffer;

const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
export const hasFileSystem = (): boolean => typeof g.process?.versions?.node === 'string' || g.Deno !== undefined;

const FS = 'node:fs/promises';
/** The part of node:fs/promises used here, typed locally: the build has no Node types. */
interface Fs {
  readFile(path: string | URL): Promise<Uint8Array>;
}
export const nodeFs = async (): Promise<Fs> => (await import(/* @vite-ignore */ FS)) as Fs;

const fetched = (s: string | URL) => (s instanceof URL ? s.protocol !== 'file:' : /^(https?|blob|data):/i.test(s) || !hasFileSystem());

/** The bytes of `source`, or null when it is a path or URL that does not exist (HTTP 404). */
export async function readOptional(source: ByteSource, op: string): Promise<Uint8Array | null> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string' && !(source instanceof URL)) return fail(op, `cannot read from ${source === null ? 'null' : typeof source}`, 'pass a path, a URL, a Uint8Array or an ArrayBuffer');
  if (fetched(source)) {
    let r: Response;
    try {
      r = await fetch(source);
    } catch (e) {
      return fail(op, `could not fetch ${String(source)} (${(e as Error).message})`);
    }
    if (r.status === 404) return null;
    if (!r.ok) fail(op, `fetching ${String(source)} failed with HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  }
  try {
    return new Uint8Array(await (await nodeFs()).readFile(source));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    return fail(op, `could not read ${String(source)} (${(e as Error).message})`);
  }
}

export async function readRequired(source: ByteSource, op: string): Promise<Uint8Array> {
  const b = await readOptional(source, op);
  if (!b) fail(op, `${String(source)} does not exist`, 'check the path or URL');
  return b;
}

/** Joins a directory (path or URL) and a file name. */
export const join = (dir: string, file: string): string => (dir.endsWith('/') ? dir + file : `${dir}/${file}`);
