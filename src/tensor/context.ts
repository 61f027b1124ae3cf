// The current device. Ops find it here rather than through arguments, as in PyTorch's default device.
import { checkOptions, Device, fail, optionKeys, type InitOptions, type DeviceInfo } from '../device/index.ts';
import { calibrate } from '../kernels/index.ts';
import { installFusion } from './lazy.ts';

let current: Device | null = null;
let debugMode = false;

const INIT_OPTIONS = optionKeys<InitOptions>({ powerPreference: true, forceFallbackAdapter: true, debug: true, batchSize: true });

export async function init(opts: InitOptions = {}): Promise<DeviceInfo> {
  checkOptions('init', opts, INIT_OPTIONS);
  if (current && !opts.forceFallbackAdapter) return current.info;
  const dev = await Device.create(opts);
  await calibrate(dev);
  current = dev;
  debugMode = !!opts.debug;
  installFusion();
  return current.info;
}

export function device(op = 'webgrad'): Device {
  if (!current) fail(op, 'webgrad is not initialised', 'await wg.init() before creating tensors');
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
