// The current device. Ops find it here rather than through arguments, as in PyTorch's default device.
import { Device, fail, type InitOptions, type DeviceInfo } from '../device/index.ts';
import { buildProfile } from '../kernels/index.ts';

let current: Device | null = null;
let debugMode = false;

export async function init(opts: InitOptions = {}): Promise<DeviceInfo> {
  if (current && !opts.forceFallbackAdapter) return current.info;
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
