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

async function nodeGpu(): Promise<GPU> {
  const spec = 'webgpu';
  let mod: any;
  try {
    mod = await import(/* @vite-ignore */ spec);
  } catch (e) {
    fail('init', `WebGPU is not available in Node: the 'webgpu' package (Dawn) could not be loaded (${(e as Error).message})`, 'run `npm install webgpu`, or use a browser or Deno');
  }
  Object.assign(globalThis, mod.globals);
  return mod.create([]) as GPU;
}

async function requestOn(gpu: GPU, opts: InitOptions): Promise<GPUAdapter | null> {
  return gpu.requestAdapter({ powerPreference: opts.powerPreference, forceFallbackAdapter: opts.forceFallbackAdapter });
}

export async function acquireAdapter(opts: InitOptions = {}): Promise<Acquired> {
  const runtime = detectRuntime();
  let gpu: GPU | undefined = runtime === 'node' ? await nodeGpu() : g.navigator?.gpu;
  if (!gpu) {
    const how =
      runtime === 'deno'
        ? 'run Deno with --unstable-webgpu'
        : 'use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+); headless Chromium needs --enable-unsafe-webgpu';
    fail('init', `WebGPU is not available in this ${runtime} runtime (navigator.gpu is missing)`, how);
  }
  let adapter = await requestOn(gpu, opts);
  let note = '';
  // Linux machines without a GPU driver can still run Vulkan on the CPU through SwiftShader, which
  // Chromium ships. The Vulkan loader reads VK_ICD_FILENAMES when an instance is created, so the
  // variable is set and a fresh instance made before asking again.
  if (!adapter && runtime !== 'browser' && !envGet('VK_ICD_FILENAMES') && (await fileExists(SWIFTSHADER_ICD))) {
    envSet('VK_ICD_FILENAMES', SWIFTSHADER_ICD);
    if (runtime === 'node') gpu = await nodeGpu();
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
