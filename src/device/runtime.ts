// Finds a GPUAdapter in whatever JavaScript runtime we are in. Node has no navigator.gpu, so Dawn comes
// from the `webgpu` package, imported through a variable so that bundlers and browsers never see it.
import { fail } from './errors.ts';

export type RuntimeName = 'browser' | 'deno' | 'node';

export interface InitOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for a software adapter even when hardware exists (tests use it for reproducibility). */
  forceFallbackAdapter?: boolean;
  /** Track undisposed tensors with a FinalizationRegistry and warn with the op that made them. */
  debug?: boolean;
  /** Dispatches recorded before the command encoder is submitted on its own. */
  batchSize?: number;
  /**
   * Let the driver stack print everything it prints at start-up. By default webgrad keeps two benign
   * messages off the terminal in Node on Linux: libwayland's "XDG_RUNTIME_DIR is invalid or not set"
   * (a private empty XDG_RUNTIME_DIR is set when it is missing) and Dawn's warnings about the system's
   * Vulkan drivers on a machine with no GPU device (SwiftShader is then used without asking them first).
   * With `verbose`, neither is done, and Dawn also prints the adapter it picked.
   */
  verbose?: boolean;
  /** The most bytes of idle buffers the pool keeps for reuse; buffers freed beyond it are destroyed. */
  poolCapBytes?: number;
}

export interface Acquired {
  gpu: GPU;
  adapter: GPUAdapter;
  runtime: RuntimeName;
  software: boolean;
  note: string;
}

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const g = globalThis as any;

export function detectRuntime(): RuntimeName {
  if (typeof g.Deno !== 'undefined') return 'deno';
  if (typeof g.process?.versions?.node === 'string' && typeof g.window === 'undefined' && !g.navigator?.gpu) return 'node';
  return 'browser';
}

export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info: any = adapter.info ?? {};
  if (info.isFallbackAdapter || (adapter as any).isFallbackAdapter) return true;
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|warp|basic render/.test(text);
}

async function fileExists(path: string): Promise<boolean> {
  try {
    if (g.Deno) {
      await g.Deno.stat(path);
      return true;
    }
    const spec = 'node:fs';
    const fs = await import(/* @vite-ignore */ spec);
    return fs.existsSync(path);
  } catch {
    return false;
  }
}

function envGet(name: string): string | undefined {
  try {
    return g.Deno ? g.Deno.env.get(name) : g.process?.env?.[name];
  } catch {
    return undefined;
  }
}

function envSet(name: string, value: string): void {
  if (g.Deno) g.Deno.env.set(name, value);
  else if (g.process?.env) g.process.env[name] = value;
}

function envDelete(name: string): void {
  if (g.Deno) g.Deno.env.delete(name);
  else if (g.process?.env) delete g.process.env[name];
}

/** A Node built-in, imported through a variable so that bundlers and browsers never see it. */
function nodeBuiltin(name: string): Promise<any> {
  return import(/* @vite-ignore */ `node:${name}`);
}

/**
 * Mesa's Vulkan device-select layer looks for a Wayland compositor whenever an instance is made, and
 * libwayland prints "error: XDG_RUNTIME_DIR is invalid or not set in the environment." (twice) when
 * the variable is missing or not an absolute directory. A process without a compositor gets the same
 * answer from an empty directory of its own, quietly: made 0700 by mkdtemp, removed at exit.
 */
async function giveWaylandARuntimeDir(): Promise<void> {
  const fs = await nodeBuiltin('fs');
  const dir = envGet('XDG_RUNTIME_DIR');
  if (dir?.startsWith('/') && fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
  const [os, path] = await Promise.all([nodeBuiltin('os'), nodeBuiltin('path')]);
  const made: string = fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-xdg-'));
  envSet('XDG_RUNTIME_DIR', made);
  g.process.once('exit', () => fs.rmSync(made, { recursive: true, force: true }));
}

/**
 * Whether this Linux machine has a device node that a GPU's Vulkan driver opens (DRM render nodes,
 * NVIDIA's, WSL's, Mali's, Adreno's). Without one the system's Vulkan drivers can only offer CPU
 * devices, which Dawn rejects or which are no better than SwiftShader, each with a warning on stderr.
 * Unreadable /dev counts as yes, so the drivers are asked as usual.
 */
async function hasGpuDeviceNode(): Promise<boolean> {
  const fs = await nodeBuiltin('fs');
  try {
    if (fs.readdirSync('/dev/dri').some((f: string) => f.startsWith('renderD'))) return true;
  } catch {
    // no DRM devices at all; look for the others
  }
  try {
    return fs.readdirSync('/dev').some((f: string) => /^(nvidia\d+|dxg|mali\d*|kgsl-3d0)$/.test(f));
  } catch {
    return true;
  }
}

async function nodeGpu(opts: InitOptions): Promise<GPU> {
  const spec = 'webgpu';
  let mod: any;
  try {
    mod = await import(/* @vite-ignore */ spec);
  } catch (e) {
    fail('init', `WebGPU is not available in Node: the 'webgpu' package (Dawn) could not be loaded (${(e as Error).message})`, 'run `npm install webgpu`, or use a browser or Deno');
  }
  Object.assign(globalThis, mod.globals);
  if (g.process?.platform === 'linux' && !opts.verbose) await giveWaylandARuntimeDir();
  return mod.create(opts.verbose ? ['verbose=1'] : []) as GPU;
}

async function requestOn(gpu: GPU, opts: InitOptions): Promise<GPUAdapter | null> {
  return gpu.requestAdapter({ powerPreference: opts.powerPreference, forceFallbackAdapter: opts.forceFallbackAdapter });
}

export async function acquireAdapter(opts: InitOptions = {}): Promise<Acquired> {
  const runtime = detectRuntime();
  let note = '';
  // A Linux machine without a GPU device goes straight to SwiftShader (see hasGpuDeviceNode); should
  // SwiftShader give no adapter, the system's drivers are asked after all, as below.
  const direct =
    runtime === 'node' && !opts.verbose && g.process?.platform === 'linux' && !envGet('VK_ICD_FILENAMES') && (await fileExists(SWIFTSHADER_ICD)) && !(await hasGpuDeviceNode());
  if (direct) {
    envSet('VK_ICD_FILENAMES', SWIFTSHADER_ICD);
    note = `no GPU device in /dev; using SwiftShader (software Vulkan) from ${SWIFTSHADER_ICD}`;
  }
  let gpu: GPU | undefined = runtime === 'node' ? await nodeGpu(opts) : g.navigator?.gpu;
  if (!gpu) {
    const how =
      runtime === 'deno'
        ? 'run Deno with --unstable-webgpu'
        : 'use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+); headless Chromium needs --enable-unsafe-webgpu';
    fail('init', `WebGPU is not available in this ${runtime} runtime (navigator.gpu is missing)`, how);
  }
  let adapter = await requestOn(gpu, opts);
  if (!adapter && direct) {
    envDelete('VK_ICD_FILENAMES');
    note = '';
    gpu = await nodeGpu(opts);
    adapter = await requestOn(gpu, opts);
  }
  // Linux machines without a GPU driver can still run Vulkan on the CPU through SwiftShader, which
  // Chromium ships. The Vulkan loader reads VK_ICD_FILENAMES when an instance is created, so the
  // variable is set and a fresh instance made before asking again.
  if (!adapter && !direct && runtime !== 'browser' && !envGet('VK_ICD_FILENAMES') && (await fileExists(SWIFTSHADER_ICD))) {
    envSet('VK_ICD_FILENAMES', SWIFTSHADER_ICD);
    if (runtime === 'node') gpu = await nodeGpu(opts);
    adapter = await requestOn(gpu, opts);
    if (adapter) note = `no hardware adapter found; using SwiftShader (software Vulkan) from ${SWIFTSHADER_ICD}`;
  }
  if (!adapter) {
    const how =
      runtime === 'browser'
        ? 'enable WebGPU in the browser (chrome://flags/#enable-unsafe-webgpu) or update its GPU driver'
        : `install a Vulkan driver (apt-get install libvulkan1 mesa-vulkan-drivers) or Chromium's SwiftShader (apt-get install chromium), or set VK_ICD_FILENAMES`;
    fail('init', `no WebGPU adapter was found in this ${runtime} runtime`, how);
  }
  const software = isSoftwareAdapter(adapter) || envGet('VK_ICD_FILENAMES') === SWIFTSHADER_ICD;
  return { gpu, adapter, runtime, software, note };
}
