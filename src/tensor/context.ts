// The current device. Ops find it here rather than through arguments, as in PyTorch's default device.
import { checkOptions, Device, fail, optionKeys, type InitOptions, type DeviceInfo } from '../device/index.ts';
import { buildProfile } from '../kernels/index.ts';
import { enableAsyncScopes } from './memory.ts';

let current: Device | null = null;
let debugMode = false;

const INIT_OPTIONS = optionKeys<InitOptions>({ powerPreference: true, forceFallbackAdapter: true, debug: true, batchSize: true, verbose: true, poolCapBytes: true });

/** Gives the current device, or a fresh one when there is none or the current one was lost. */
export async function init(opts: InitOptions = {}): Promise<DeviceInfo> {
  checkOptions('init', opts, INIT_OPTIONS);
  if (current && !current.lost && !opts.forceFallbackAdapter) return current.info;
  if (current?.lost) destroy();
  await enableAsyncScopes();
  const dev = await Device.create(opts);
  await buildProfile(dev);
  current = dev;
  debugMode = !!opts.debug;
  return current.info;
}

export function device(op = 'webgrad'): Device {
  if (!current) fail(op, 'webgrad is not initialised', 'await wg.init() before creating tensors');
  return current;
}

/** The current device or null, without failing: for checks that a tensor belongs to it. */
export function currentDevice(): Device | null {
  return current;
}

export function hasDevice(): boolean {
  return current !== null;
}

export function isDebug(): boolean {
  return debugMode;
}

export function setDebug(on: boolean): void {
  debugMode = on;
}

/** Releases the GPU device. Tensors made on it can no longer be used. */
export function destroy(): void {
  current?.destroy();
  current = null;
}
